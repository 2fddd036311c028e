# mmcls 0.25's seresnet101_8xb32_in1k: 8 GPUs x 32 images, ImageNet-1k
# (mmcls resizes with pillow, cls_lab's imagenet_bs32 base with OpenCV).
_base_ = [
    '../_base_/models/seresnet101.py',
    '../_base_/datasets/imagenet_bs32.py',
    '../_base_/schedules/imagenet_bs256.py',
    '../_base_/default_runtime.py'
]
# mmcls's imagenet_bs256_140e schedule: 140 epochs, lr x0.1 at 40, 80 and 120
lr_config = dict(policy='step', step=[40, 80, 120])
runner = dict(type='EpochBasedRunner', max_epochs=140)
