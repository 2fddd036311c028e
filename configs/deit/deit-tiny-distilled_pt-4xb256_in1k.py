# DeiT-Ti with the distillation token: the backbone adds dist_token, the head averages the
# class-token and distillation-token classifiers (the teacher loss itself is not included).
_base_ = './deit-small_pt-4xb256_in1k.py'

model = dict(
    backbone=dict(type='DistilledVisionTransformer', arch='deit-tiny'),
    head=dict(type='DeiTClsHead', in_channels=192),
)
