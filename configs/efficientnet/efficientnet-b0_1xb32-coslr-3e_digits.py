# EfficientNet-B0 on the 32x32 digits: the full 4M-parameter network (there is no width
# argument), its five stride-2 steps take 32x32 down to 1x1. Drop path 0.1. The costliest
# digits config (about 14 s of one CPU core an epoch), so 3 epochs, not 4: still about 96%
# val top-1.
_base_ = [
    '../_base_/datasets/digits_bs32.py',
    '../_base_/schedules/digits_bs32_coslr.py',
    '../_base_/default_runtime.py'
]
model = dict(
    type='ImageClassifier',
    backbone=dict(type='EfficientNet', arch='b0', drop_path_rate=0.1),
    neck=dict(type='GlobalAveragePooling'),
    head=dict(
        type='LinearClsHead',
        num_classes=10,
        in_channels=1280,
        loss=dict(type='CrossEntropyLoss', loss_weight=1.0),
        topk=(1, 5)))
runner = dict(max_epochs=3)
log_config = dict(interval=15)
