# VGG-16 for ImageNet: the 3-layer classifier is part of the backbone
# (num_classes > 0), so there is no neck and the head only computes the loss.
model = dict(
    type='ImageClassifier',
    backbone=dict(type='VGG', depth=16, num_classes=1000),
    neck=None,
    head=dict(
        type='ClsHead',
        loss=dict(type='CrossEntropyLoss', loss_weight=1.0),
        topk=(1, 5),
    ))
