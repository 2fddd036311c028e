# RepVGG-B3 on ImageNet-1k, 4 GPUs x 64 images, label smoothing + mixup, 200 epochs of
# cosine with warmup (mmcls 0.25's repvgg-B3_4xb64-autoaug-lbs-mixup-coslr-200e_in1k;
# despite the name its data pipeline has no AutoAugment).
_base_ = [
    '../_base_/models/repvgg-B3_lbs-mixup_in1k.py',
    '../_base_/datasets/imagenet_bs32.py',
    '../_base_/schedules/imagenet_bs256_200e_coslr_warmup.py',
    '../_base_/default_runtime.py'
]
data = dict(samples_per_gpu=64)
