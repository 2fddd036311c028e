# A tiny RepVGG for the 32x32 digits: stages of 1, 2, 2, 1 blocks with 16, 32, 64, 128
# channels. Train it in its three-branch form, then call ``model.backbone.switch_to_deploy()``
# to fold every block into one 3x3 conv (same outputs, less compute).
_base_ = [
    '../_base_/datasets/digits_bs32.py',
    '../_base_/schedules/digits_bs32_coslr.py',
    '../_base_/default_runtime.py'
]
model = dict(
    type='ImageClassifier',
    backbone=dict(
        type='RepVGG',
        arch=dict(num_blocks=[1, 2, 2, 1], width_factor=[0.25, 0.25, 0.25, 0.25],
                  group_layer_map=None, se_cfg=None)),
    neck=dict(type='GlobalAveragePooling'),
    head=dict(
        type='LinearClsHead',
        num_classes=10,
        in_channels=128,
        loss=dict(type='CrossEntropyLoss', loss_weight=1.0),
        topk=(1, 5)))
runner = dict(max_epochs=4)
log_config = dict(interval=15)
