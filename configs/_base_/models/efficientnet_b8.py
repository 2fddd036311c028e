# EfficientNet-B8 for ImageNet (trained at 672x672); the last 1x1 conv gives 2816 channels.
model = dict(
    type='ImageClassifier',
    backbone=dict(type='EfficientNet', arch='b8'),
    neck=dict(type='GlobalAveragePooling'),
    head=dict(
        type='LinearClsHead',
        num_classes=1000,
        in_channels=2816,
        loss=dict(type='CrossEntropyLoss', loss_weight=1.0),
        topk=(1, 5),
    ))
