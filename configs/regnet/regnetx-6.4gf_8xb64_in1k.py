# RegNetX-6.4GF on ImageNet-1k, 8 GPUs x 64 images, with the RegNetX-400MF recipe
# (mmcls 0.25's regnetx-6.4gf_8xb64_in1k).
_base_ = ['./regnetx-400mf_8xb128_in1k.py']
model = dict(
    backbone=dict(type='RegNet', arch='regnetx_6.4gf'),
    head=dict(in_channels=1624, ))
# batch 512: lr 0.4
optimizer = dict(lr=0.4)
data = dict(samples_per_gpu=64, )
