# RepVGG-A1 with the RepVGG-A0 recipe (mmcls 0.25's repvgg-A1_4xb64-coslr-120e_in1k).
_base_ = './repvgg-A0_4xb64-coslr-120e_in1k.py'

model = dict(backbone=dict(arch='A1'))
