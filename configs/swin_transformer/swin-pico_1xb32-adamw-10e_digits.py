# A pocket Swin for the embedded 32x32 digits: 4x4 patches (an 8x8 grid), 4x4 windows,
# two stages of widths 48-96 (8 -> 4 tokens a side); at 4x4 the last stage is a single
# window, so it runs unshifted. Same code as Swin-T, only the arch is smaller; 10 epochs
# reach about 92% val top-1.
_base_ = [
    '../_base_/datasets/digits_bs32.py',
    '../_base_/schedules/digits_bs32_coslr.py',
    '../_base_/default_runtime.py'
]

model = dict(
    type='ImageClassifier',
    backbone=dict(
        type='SwinTransformer',
        arch=dict(embed_dims=48, depths=[2, 2], num_heads=[3, 6]),
        img_size=32,
        patch_size=4,
        window_size=4,
        drop_path_rate=0.1,
        out_indices=(1, )),
    neck=dict(type='GlobalAveragePooling'),
    head=dict(
        type='LinearClsHead',
        num_classes=10,
        in_channels=96,
        loss=dict(type='CrossEntropyLoss', loss_weight=1.0),
        topk=(1, 5)))

optimizer = dict(type='AdamW', lr=1e-3, weight_decay=0.05)
runner = dict(max_epochs=10)
log_config = dict(interval=15)
