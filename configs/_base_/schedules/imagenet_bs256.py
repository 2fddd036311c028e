# ImageNet, batch 256 (8 GPUs x 32): SGD, lr x0.1 at epochs 30, 60 and 90 (seed 003 §1).
optimizer = dict(type='SGD', lr=0.1, momentum=0.9, weight_decay=0.0001)
optimizer_config = dict(grad_clip=None)
lr_config = dict(policy='step', step=[30, 60, 90])
runner = dict(type='EpochBasedRunner', max_epochs=100)
