# EfficientNet-EdgeTPU-S for ImageNet (trained at 224x224); the last 1x1 conv gives 1280 channels.
# The EdgeTPU variant uses ReLU instead of swish and fused "edge residual" blocks early on.
model = dict(
    type='ImageClassifier',
    backbone=dict(type='EfficientNet', arch='es', act_cfg=dict(type='ReLU')),
    neck=dict(type='GlobalAveragePooling'),
    head=dict(
        type='LinearClsHead',
        num_classes=1000,
        in_channels=1280,
        loss=dict(type='CrossEntropyLoss', loss_weight=1.0),
        topk=(1, 5),
    ))
