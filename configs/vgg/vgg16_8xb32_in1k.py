# VGG-16 on ImageNet-1k, 8 GPUs x 32 images (mmcls 0.25's vgg16_8xb32_in1k).
# mmcls resizes with the pillow backend, cls_lab's imagenet_bs32 base with OpenCV.
_base_ = [
    '../_base_/models/vgg16.py',
    '../_base_/datasets/imagenet_bs32.py',
    '../_base_/schedules/imagenet_bs256.py',
    '../_base_/default_runtime.py'
]
optimizer = dict(lr=0.01)
