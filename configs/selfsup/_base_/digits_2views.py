# The digits training images without labels, two random views of each (seed 002's "raw images
# in, losses out"). SelfSupDataset hides gt_label; MultiView turns `img` into [view_a, view_b].
custom_imports = dict(imports=['cls_lab.models.selfsup', 'cls_lab.datasets.selfsup'],
                      allow_failed_imports=False)
data_root = 'data_samples/digits/'
img_norm_cfg = dict(mean=[127.5, 127.5, 127.5], std=[127.5, 127.5, 127.5], to_rgb=True)
# One view: a random crop of 40-100% of the digit, then brightness/contrast jitter.
# (No horizontal flip: a mirrored 2 or 7 is not a digit any more.)
view_pipeline = [
    dict(type='RandomResizedCrop', size=32, scale=(0.4, 1.0)),
    dict(type='ColorJitter', brightness=0.4, contrast=0.4),
    dict(type='Normalize', **img_norm_cfg),
    dict(type='ImageToTensor', keys=['img']),
]
train_pipeline = [
    dict(type='LoadImageFromFile'),
    dict(type='MultiView', pipelines=[view_pipeline], num_views=[2]),
    dict(type='Collect', keys=['img'], meta_keys=[]),
]
data = dict(
    samples_per_gpu=128,
    workers_per_gpu=0,
    train=dict(
        type='SelfSupDataset',
        dataset=dict(type='CustomDataset', data_prefix=data_root + 'train'),
        pipeline=train_pipeline))
