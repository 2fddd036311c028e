# RegNetX-1.6GF on ImageNet-1k, 8 GPUs x 128 images, with the RegNetX-400MF recipe
# (mmcls 0.25's regnetx-1.6gf_8xb128_in1k).
_base_ = ['./regnetx-400mf_8xb128_in1k.py']
model = dict(
    backbone=dict(type='RegNet', arch='regnetx_1.6gf'),
    head=dict(in_channels=912, ))
