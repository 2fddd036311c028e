# A VGG small enough for the 32x32 digits: the first two VGG-11-BN stages (one 3x3 conv each,
# 64 and 128 channels), global average pooling instead of the 224x224 classifier.
_base_ = [
    '../_base_/datasets/digits_bs32.py',
    '../_base_/schedules/digits_bs32_coslr.py',
    '../_base_/default_runtime.py'
]
model = dict(
    type='ImageClassifier',
    backbone=dict(type='VGG', depth=11, num_stages=2, dilations=(1, 1),
                  norm_cfg=dict(type='BN'), out_indices=(1, )),
    neck=dict(type='GlobalAveragePooling'),
    head=dict(
        type='LinearClsHead',
        num_classes=10,
        in_channels=128,
        loss=dict(type='CrossEntropyLoss', loss_weight=1.0),
        topk=(1, 5)))
runner = dict(max_epochs=4)
log_config = dict(interval=15)
