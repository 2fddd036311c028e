# A pocket ConvNeXt for the embedded 32x32 digits: a 2x2 patchify stem (32 -> 16), then
# four stages of widths 16-32-64-128 with 1-1-2-1 blocks (16 -> 8 -> 4 -> 2 pixels).
# The block is ConvNeXt-T's, unchanged: 7x7 depthwise, LayerNorm, 4x MLP, layer scale.
# 10 epochs reach about 99% val top-1.
_base_ = [
    '../_base_/datasets/digits_bs32.py',
    '../_base_/schedules/digits_bs32_coslr.py',
    '../_base_/default_runtime.py'
]

model = dict(
    type='ImageClassifier',
    backbone=dict(
        type='ConvNeXt',
        arch=dict(depths=[1, 1, 2, 1], channels=[16, 32, 64, 128]),
        stem_patch_size=2,
        out_indices=(3, ),
        gap_before_final_norm=True),
    head=dict(
        type='LinearClsHead',
        num_classes=10,
        in_channels=128,
        loss=dict(type='CrossEntropyLoss', loss_weight=1.0),
        topk=(1, 5)))

optimizer = dict(type='AdamW', lr=2e-3, weight_decay=0.05)
runner = dict(max_epochs=10)
log_config = dict(interval=15)
