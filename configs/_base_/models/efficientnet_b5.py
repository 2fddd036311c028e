# EfficientNet-B5 for ImageNet (trained at 456x456); the last 1x1 conv gives 2048 channels.
model = dict(
    type='ImageClassifier',
    backbone=dict(type='EfficientNet', arch='b5'),
    neck=dict(type='GlobalAveragePooling'),
    head=dict(
        type='LinearClsHead',
        num_classes=1000,
        in_channels=2048,
        loss=dict(type='CrossEntropyLoss', loss_weight=1.0),
        topk=(1, 5),
    ))
