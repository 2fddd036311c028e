# RepVGG-D2se with the RepVGG-B3 recipe
# (mmcls 0.25's repvgg-D2se_4xb64-autoaug-lbs-mixup-coslr-200e_in1k).
_base_ = './repvgg-B3_4xb64-autoaug-lbs-mixup-coslr-200e_in1k.py'

model = dict(backbone=dict(arch='D2se'))
