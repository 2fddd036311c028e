# The quickstart experiment: a narrow ResNet-18 (CIFAR stem, 16 base channels instead of 64,
# about 1/16 of the compute) on the embedded 32x32 digits, 1 GPU x batch 32, Adam with a
# cosine schedule, 4 epochs: >= 95% val top-1 in well under a minute on a laptop CPU.
#
# Name, as seed 003 §1 asks: {algorithm}_{module}_{training}_{data}
#   resnet18-narrow  _  1xb32-coslr-4e  _  digits
_base_ = [
    '../_base_/datasets/digits_bs32.py',
    '../_base_/schedules/digits_bs32_coslr.py',
    '../_base_/default_runtime.py'
]

model = dict(
    type='ImageClassifier',
    backbone=dict(
        type='ResNet_CIFAR',
        depth=18,
        stem_channels=16,
        base_channels=16,        # stages: 16, 32, 64, 128 channels
        num_stages=4,
        out_indices=(3, ),
        style='pytorch'),
    neck=dict(type='GlobalAveragePooling'),
    head=dict(
        type='LinearClsHead',
        num_classes=10,
        in_channels=128,
        loss=dict(type='CrossEntropyLoss', loss_weight=1.0),
        topk=(1, 5)))

runner = dict(max_epochs=4)
log_config = dict(interval=15)   # 45 iterations an epoch: three lines per epoch
