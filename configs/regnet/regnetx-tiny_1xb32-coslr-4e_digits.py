# A tiny RegNetX for the 32x32 digits, from the RegNet formula itself: w0=16, wa=16, wm=2
# over 6 blocks gives stages of 16, 32, 64, 128 channels with 1, 1, 3, 1 blocks
# (group width 8). Five stride-2 steps take 32x32 down to 1x1.
_base_ = [
    '../_base_/datasets/digits_bs32.py',
    '../_base_/schedules/digits_bs32_coslr.py',
    '../_base_/default_runtime.py'
]
model = dict(
    type='ImageClassifier',
    backbone=dict(
        type='RegNet',
        arch=dict(w0=16, wa=16, wm=2, group_w=8, depth=6, bot_mul=1.0),
        stem_channels=16),
    neck=dict(type='GlobalAveragePooling'),
    head=dict(
        type='LinearClsHead',
        num_classes=10,
        in_channels=128,
        loss=dict(type='CrossEntropyLoss', loss_weight=1.0),
        topk=(1, 5)))
runner = dict(max_epochs=4)
log_config = dict(interval=15)
