# RegNetX-3.2GF on ImageNet-1k, 8 GPUs x 64 images, with the RegNetX-400MF recipe
# (mmcls 0.25's regnetx-3.2gf_8xb64_in1k).
_base_ = ['./regnetx-400mf_8xb128_in1k.py']
model = dict(
    backbone=dict(type='RegNet', arch='regnetx_3.2gf'),
    head=dict(in_channels=1008, ))
# batch 512: lr 0.4
optimizer = dict(lr=0.4)
data = dict(samples_per_gpu=64, )
