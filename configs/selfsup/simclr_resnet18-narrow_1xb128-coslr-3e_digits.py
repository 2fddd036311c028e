# SimCLR on the digits: the narrow ResNet-18 of configs/resnet/ (16 base channels, 128-d
# features), a 2-layer projection to 64-d, NT-Xent at temperature 0.2 over 2 x 128 views.
# Train:  python -m cls_lab train configs/selfsup/simclr_resnet18-narrow_1xb128-coslr-3e_digits.py
# Probe:  configs/selfsup/linear-probe_resnet18-narrow_1xb32-5e_digits.py loads its latest.pth.
_base_ = [
    './_base_/digits_2views.py',
    './_base_/schedule_adam_coslr_3e.py',
    '../_base_/default_runtime.py',
]
model = dict(
    type='SimCLR',
    backbone=dict(
        type='ResNet_CIFAR',
        depth=18,
        stem_channels=16,
        base_channels=16,
        out_indices=(3, ),
        style='pytorch'),
    neck=dict(
        type='NonLinearNeck',       # 128 -> 128 (BN, ReLU) -> 64 (BN)
        in_channels=128,
        hid_channels=128,
        out_channels=64,
        num_layers=2,
        with_bias=False,
        with_last_bn=True,
        with_avg_pool=True),
    head=dict(type='ContrastiveHead', temperature=0.2))
# Keep only the last checkpoint (latest.pth is what the linear probe loads); 12 iterations
# an epoch, so log every 4.
checkpoint_config = dict(interval=1, max_keep_ckpts=1)
log_config = dict(interval=4)
