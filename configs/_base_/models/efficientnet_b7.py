# EfficientNet-B7 for ImageNet (trained at 600x600); the last 1x1 conv gives 2560 channels.
model = dict(
    type='ImageClassifier',
    backbone=dict(type='EfficientNet', arch='b7'),
    neck=dict(type='GlobalAveragePooling'),
    head=dict(
        type='LinearClsHead',
        num_classes=1000,
        in_channels=2560,
        loss=dict(type='CrossEntropyLoss', loss_weight=1.0),
        topk=(1, 5),
    ))
