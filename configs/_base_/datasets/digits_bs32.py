# The embedded digits (data_samples/digits, 32x32, 10 classes) in ImageNet folder format:
# train from class folders, val/test from the annotation list meta/val.txt.
dataset_type = 'CustomDataset'
data_root = 'data_samples/digits/'
img_norm_cfg = dict(mean=[127.5, 127.5, 127.5], std=[127.5, 127.5, 127.5], to_rgb=True)
train_pipeline = [
    dict(type='LoadImageFromFile'),
    dict(type='RandomResizedCrop', size=32, scale=(0.7, 1.0)),
    dict(type='Normalize', **img_norm_cfg),
    dict(type='ImageToTensor', keys=['img']),
    dict(type='ToTensor', keys=['gt_label']),
    dict(type='Collect', keys=['img', 'gt_label'])
]
test_pipeline = [
    dict(type='LoadImageFromFile'),
    dict(type='Resize', size=32),
    dict(type='Normalize', **img_norm_cfg),
    dict(type='ImageToTensor', keys=['img']),
    dict(type='Collect', keys=['img'])
]
data = dict(
    samples_per_gpu=32,
    workers_per_gpu=0,
    train=dict(
        type=dataset_type,
        data_prefix=data_root + 'train',
        pipeline=train_pipeline),
    val=dict(
        type=dataset_type,
        data_prefix=data_root + 'val',
        ann_file=data_root + 'meta/val.txt',
        classes=data_root + 'meta/classes.txt',
        pipeline=test_pipeline),
    test=dict(
        type=dataset_type,
        data_prefix=data_root + 'val',
        ann_file=data_root + 'meta/val.txt',
        classes=data_root + 'meta/classes.txt',
        pipeline=test_pipeline))
evaluation = dict(interval=1, metric='accuracy')
