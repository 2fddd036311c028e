# RepVGG-B1g4 with the RepVGG-A0 recipe (mmcls 0.25's repvgg-B1g4_4xb64-coslr-120e_in1k).
_base_ = './repvgg-A0_4xb64-coslr-120e_in1k.py'

model = dict(backbone=dict(arch='B1g4'), head=dict(in_channels=2048))
