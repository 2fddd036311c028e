# Pretraining schedule for the digits: Adam, cosine decay per iteration, 3 epochs.
optimizer = dict(type='Adam', lr=0.003, weight_decay=1e-5)
optimizer_config = dict(grad_clip=None)
lr_config = dict(policy='CosineAnnealing', by_epoch=False, min_lr_ratio=0.01)
runner = dict(type='EpochBasedRunner', max_epochs=3)
