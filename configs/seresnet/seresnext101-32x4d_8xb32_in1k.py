# mmcls 0.25's seresnext101-32x4d_8xb32_in1k: 8 GPUs x 32 images, ImageNet-1k
# (mmcls resizes with pillow, cls_lab's imagenet_bs32 base with OpenCV).
_base_ = [
    '../_base_/models/seresnext101_32x4d.py',
    '../_base_/datasets/imagenet_bs32.py',
    '../_base_/schedules/imagenet_bs256.py',
    '../_base_/default_runtime.py'
]
