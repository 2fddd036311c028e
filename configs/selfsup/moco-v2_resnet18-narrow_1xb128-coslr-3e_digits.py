# MoCo v2 on the digits: same backbone and projection as the SimCLR config, but the negatives
# come from a queue of 1024 keys made by a momentum (EMA 0.99) copy of the encoder.
# (The paper's 65536 / 0.999 suit ImageNet's 1.28M images; 1437 digits need a short queue
# and a faster key encoder, else the queue holds keys of a much older network.)
_base_ = [
    './_base_/digits_2views.py',
    './_base_/schedule_adam_coslr_3e.py',
    '../_base_/default_runtime.py',
]
model = dict(
    type='MoCo',
    queue_len=1024,
    feat_dim=64,
    momentum=0.99,
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
        out_channels=64,            # = feat_dim
        num_layers=2,
        with_bias=True,
        with_last_bn=False,
        with_avg_pool=True),
    head=dict(type='ContrastiveHead', temperature=0.2))
# Keep only the last checkpoint (latest.pth is what the linear probe loads); 12 iterations
# an epoch, so log every 4.
checkpoint_config = dict(interval=1, max_keep_ckpts=1)
log_config = dict(interval=4)
