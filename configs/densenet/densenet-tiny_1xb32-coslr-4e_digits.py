# A tiny DenseNet for the 32x32 digits: growth rate 8, four dense blocks of 2 layers each,
# 16 stem channels; the transitions halve the channels (and resolution) between blocks.
_base_ = [
    '../_base_/datasets/digits_bs32.py',
    '../_base_/schedules/digits_bs32_coslr.py',
    '../_base_/default_runtime.py'
]
model = dict(
    type='ImageClassifier',
    backbone=dict(
        type='DenseNet',
        arch=dict(growth_rate=8, depths=[2, 2, 2, 2], init_channels=16)),
    neck=dict(type='GlobalAveragePooling'),
    head=dict(
        type='LinearClsHead',
        num_classes=10,
        in_channels=32,
        loss=dict(type='CrossEntropyLoss', loss_weight=1.0),
        topk=(1, 5)))
runner = dict(max_epochs=4)
log_config = dict(interval=15)
