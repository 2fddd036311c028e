# RepVGG-A0 on ImageNet-1k, 4 GPUs x 64 images, cosine schedule, 120 epochs
# (mmcls 0.25's repvgg-A0_4xb64-coslr-120e_in1k; it resizes with pillow).
_base_ = [
    '../_base_/models/repvgg-A0_in1k.py',
    '../_base_/datasets/imagenet_bs32.py',
    '../_base_/schedules/imagenet_bs256_coslr.py',
    '../_base_/default_runtime.py'
]
data = dict(samples_per_gpu=64)
runner = dict(max_epochs=120)
