# DeiT-Ti: the DeiT-S recipe with 192-wide tokens (3 heads), 5.7M parameters.
_base_ = './deit-small_pt-4xb256_in1k.py'

model = dict(
    backbone=dict(type='VisionTransformer', arch='deit-tiny'),
    head=dict(type='VisionTransformerClsHead', in_channels=192),
)
