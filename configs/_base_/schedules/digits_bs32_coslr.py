# The digits set, batch 32: Adam with a per-iteration cosine after one epoch of warmup.
optimizer = dict(type='Adam', lr=0.003, weight_decay=0.0001)
optimizer_config = dict(grad_clip=dict(max_norm=10.0))
lr_config = dict(
    policy='CosineAnnealing',
    by_epoch=False,
    min_lr_ratio=0.01,
    warmup='linear',
    warmup_iters=1,
    warmup_ratio=0.1,
    warmup_by_epoch=True)
runner = dict(type='EpochBasedRunner', max_epochs=10)
