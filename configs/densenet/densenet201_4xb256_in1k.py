# DenseNet-201 on ImageNet-1k, 4 GPUs x 256 images, 90 epochs of the step schedule
# (mmcls 0.25's densenet201_4xb256_in1k; its imagenet_bs64 base resizes with OpenCV too).
_base_ = [
    '../_base_/models/densenet/densenet201.py',
    '../_base_/datasets/imagenet_bs32.py',
    '../_base_/schedules/imagenet_bs256.py',
    '../_base_/default_runtime.py',
]

data = dict(samples_per_gpu=256)

runner = dict(type='EpochBasedRunner', max_epochs=90)
