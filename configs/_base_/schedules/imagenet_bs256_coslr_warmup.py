# ImageNet, batch 256: cosine annealing after 5 epochs of linear warmup (per iteration).
optimizer = dict(type='SGD', lr=0.1, momentum=0.9, weight_decay=0.0001)
optimizer_config = dict(grad_clip=None)
lr_config = dict(
    policy='CosineAnnealing',
    min_lr=0,
    warmup='linear',
    warmup_iters=5,
    warmup_ratio=0.01,
    warmup_by_epoch=True)    # warmup_iters counts epochs here
runner = dict(type='EpochBasedRunner', max_epochs=100)
