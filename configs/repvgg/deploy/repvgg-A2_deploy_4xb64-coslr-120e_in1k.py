# RepVGG-A2 in its deployed form: one fused 3x3 conv per block (``branch_reparam``),
# for checkpoints converted with ``switch_to_deploy()``.
_base_ = '../repvgg-A2_4xb64-coslr-120e_in1k.py'

model = dict(backbone=dict(deploy=True))
