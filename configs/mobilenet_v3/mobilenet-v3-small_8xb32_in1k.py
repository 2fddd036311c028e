# MobileNetV3-Small on ImageNet-1k with the same recipe as the large model
# (mmcls 0.25's mobilenet-v3-small_8xb32_in1k).
_base_ = ['./mobilenet-v3-large_8xb32_in1k.py']
model = dict(
    backbone=dict(arch='small'),
    head=dict(in_channels=576, mid_channels=[1024]))
