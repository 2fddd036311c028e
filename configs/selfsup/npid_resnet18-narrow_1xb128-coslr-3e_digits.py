# NPID on the digits: each training image is its own class; a MemoryBank keeps one 64-d
# unit vector per image (length = 1437 training images) and 1024 random entries are negatives.
_base_ = [
    './_base_/digits_2views.py',
    './_base_/schedule_adam_coslr_3e.py',
    '../_base_/default_runtime.py',
]
# One view per image, and the dataset index so the bank knows which entry to update.
train_pipeline = [
    dict(type='LoadImageFromFile'),
    dict(type='MultiView', pipelines=[{{_base_.view_pipeline}}], num_views=[1]),
    dict(type='Collect', keys=['img'], meta_keys=[]),
]
data = dict(train=dict(pipeline=train_pipeline, with_idx=True))
model = dict(
    type='NPID',
    neg_num=1024,
    ensure_neg=False,
    backbone=dict(
        type='ResNet_CIFAR',
        depth=18,
        stem_channels=16,
        base_channels=16,
        out_indices=(3, ),
        style='pytorch'),
    neck=dict(
        type='NonLinearNeck',
        in_channels=128,
        hid_channels=128,
        out_channels=64,
        num_layers=1,               # NPID: a single linear projection
        with_bias=True,
        with_last_bn=False,
        with_avg_pool=True),
    head=dict(type='ContrastiveHead', temperature=0.07),
    memory_bank=dict(type='MemoryBank', length=1437, feat_dim=64, momentum=0.5))
# Keep only the last checkpoint (latest.pth is what the linear probe loads); 12 iterations
# an epoch, so log every 4.
checkpoint_config = dict(interval=1, max_keep_ckpts=1)
log_config = dict(interval=4)
