# ImageNet, batch 1024: SGD lr 0.8, cosine annealing to 0 after 5 epochs of linear warmup
# (from 10% of the lr), 100 epochs.
optimizer = dict(type='SGD', lr=0.8, momentum=0.9, weight_decay=5e-5)
optimizer_config = dict(grad_clip=None)
lr_config = dict(
    policy='CosineAnnealing',
    min_lr=0,
    warmup='linear',
    warmup_iters=5,
    warmup_ratio=0.1,
    warmup_by_epoch=True)
runner = dict(type='EpochBasedRunner', max_epochs=100)
