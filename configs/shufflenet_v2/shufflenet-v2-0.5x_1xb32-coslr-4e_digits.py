# ShuffleNet V2 0.5x on the 32x32 digits: the stride-2 stem and max-pool are kept, so the
# three stages see 8x8, 4x4 and 2x2 maps; 0.34M backbone parameters.
_base_ = [
    '../_base_/datasets/digits_bs32.py',
    '../_base_/schedules/digits_bs32_coslr.py',
    '../_base_/default_runtime.py'
]
model = dict(
    type='ImageClassifier',
    backbone=dict(type='ShuffleNetV2', widen_factor=0.5),
    neck=dict(type='GlobalAveragePooling'),
    head=dict(
        type='LinearClsHead',
        num_classes=10,
        in_channels=1024,
        loss=dict(type='CrossEntropyLoss', loss_weight=1.0),
        topk=(1, 5)))
runner = dict(max_epochs=4)
log_config = dict(interval=15)
