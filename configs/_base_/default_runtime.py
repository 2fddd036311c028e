# Runtime settings (seed 003 §1 "运行设置"): checkpoints, logs, distributed, resume.

# CheckpointHook: save every `interval` epochs (iterations for IterBasedRunner).
checkpoint_config = dict(interval=1)

# Logger hooks, all printing every `interval` iterations.
log_config = dict(
    interval=100,
    hooks=[
        dict(type='TextLoggerHook'),            # console + <timestamp>.log + .log.json
        # dict(type='TensorboardLoggerHook'),   # TensorBoard scalars in work_dir/tf_logs
        # dict(type='ProgressBarHook'),         # a tqdm bar (a widget in Jupyter)
    ])

# torch.distributed backend for `--launcher pytorch` (falls back to gloo without CUDA).
dist_params = dict(backend='nccl')

log_level = 'INFO'
load_from = None      # weights only; epochs count from 0 (fine-tuning)
resume_from = None    # weights + optimizer + epoch/iter + RNG state; 'auto' = latest in work_dir
workflow = [('train', 1)]   # [('train', 1), ('val', 1)] also reports validation losses
