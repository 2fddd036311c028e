# RepVGG-B3g4 with the RepVGG-B3 recipe
# (mmcls 0.25's repvgg-B3g4_4xb64-autoaug-lbs-mixup-coslr-200e_in1k).
_base_ = './repvgg-B3_4xb64-autoaug-lbs-mixup-coslr-200e_in1k.py'

model = dict(backbone=dict(arch='B3g4'))
