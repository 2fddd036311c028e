# LeNet-5 on 32x32 images: the backbone already ends in the class layer, so no neck and a
# layer-less ClsHead (loss + accuracy only). in_channels=3 fits the colour digits in
# data_samples/; use 1 for grayscale MNIST.
model = dict(
    type='ImageClassifier',
    backbone=dict(type='LeNet5', num_classes=10, in_channels=3),
    neck=None,
    head=dict(
        type='ClsHead',
        loss=dict(type='CrossEntropyLoss', loss_weight=1.0),
        topk=(1, ),
    ))
