# RepVGG-B2g4 with the RepVGG-B3 recipe
# (mmcls 0.25's repvgg-B2g4_4xb64-autoaug-lbs-mixup-coslr-200e_in1k).
_base_ = './repvgg-B3_4xb64-autoaug-lbs-mixup-coslr-200e_in1k.py'

model = dict(backbone=dict(arch='B2g4'))
