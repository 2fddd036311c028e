# A pocket ViT for the embedded 32x32 digits: 4x4 patches (an 8x8 grid of 64 tokens plus
# the class token), 4 encoder layers of width 64, 4 heads. Same model code as ViT-B/16,
# only the arch dict is smaller. 10 epochs reach 68-83% val top-1 (the seed matters) where
# convnext-pico reaches 98-99%: without a CNN's locality prior a transformer needs more data
# or epochs.
_base_ = [
    '../_base_/datasets/digits_bs32.py',
    '../_base_/schedules/digits_bs32_coslr.py',
    '../_base_/default_runtime.py'
]

model = dict(
    type='ImageClassifier',
    backbone=dict(
        type='VisionTransformer',
        arch=dict(embed_dims=64, num_layers=4, num_heads=4, feedforward_channels=128),
        img_size=32,
        patch_size=4),
    neck=None,
    head=dict(
        type='VisionTransformerClsHead',
        num_classes=10,
        in_channels=64,
        loss=dict(type='CrossEntropyLoss', loss_weight=1.0),
        topk=(1, 5)))

optimizer = dict(type='AdamW', lr=1e-3, weight_decay=0.05)
runner = dict(max_epochs=10)
log_config = dict(interval=15)
