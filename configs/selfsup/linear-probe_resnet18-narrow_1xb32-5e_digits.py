# Linear probe: how good are self-supervised features? Freeze the whole pretrained backbone
# (frozen_stages=4: stem and stages 1-4, BN statistics included) and train only a linear
# classifier on its pooled, standardised 128-d features, with the labelled digits.
# The backbone weights are the `backbone.*` entries of the pretraining checkpoint; set
# model.backbone.init_cfg=None to probe a randomly initialised backbone instead.
custom_imports = dict(imports=['cls_lab.models.selfsup'], allow_failed_imports=False)
_base_ = [
    '../_base_/datasets/digits_bs32.py',
    '../_base_/default_runtime.py',
]
pretrained = 'work_dirs/simclr_resnet18-narrow_1xb128-coslr-3e_digits/latest.pth'
model = dict(
    type='ImageClassifier',
    backbone=dict(
        type='ResNet_CIFAR',
        depth=18,
        stem_channels=16,
        base_channels=16,
        out_indices=(3, ),
        style='pytorch',
        frozen_stages=4,
        init_cfg=dict(type='Pretrained', checkpoint=pretrained, prefix='backbone')),
    # Pool + standardise each of the 128 features (no parameters: the probe stays linear).
    neck=dict(type='ProbeNeck', in_channels=128),
    head=dict(
        type='LinearClsHead',
        num_classes=10,
        in_channels=128,
        loss=dict(type='CrossEntropyLoss', loss_weight=1.0),
        topk=(1, 5)))
optimizer = dict(type='Adam', lr=0.03, weight_decay=0.0)
optimizer_config = dict(grad_clip=None)
lr_config = dict(policy='CosineAnnealing', by_epoch=False, min_lr_ratio=0.01)
runner = dict(type='EpochBasedRunner', max_epochs=5)
checkpoint_config = dict(interval=5)
log_config = dict(interval=15, hooks=[dict(type='TextLoggerHook')])
evaluation = dict(interval=1, metric='accuracy', metric_options=dict(topk=(1, )))
