# mmcls 0.25's shufflenet-v2-1x_16xb64_in1k: 16 GPUs x 64 images, ImageNet-1k
# (mmcls resizes with pillow, cls_lab's imagenet_bs32 base with OpenCV).
_base_ = [
    '../_base_/models/shufflenet_v2_1x.py',
    '../_base_/datasets/imagenet_bs32.py',
    '../_base_/schedules/imagenet_bs1024_linearlr_bn_nowd.py',
    '../_base_/default_runtime.py'
]
data = dict(samples_per_gpu=64)
