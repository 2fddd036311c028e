# The shipped digits set (1437 training images of 32x32), batch 32: 45 iterations an epoch.
# A short schedule for the quickstart: SGD, 10 epochs, lr x0.1 at epochs 6 and 8, a brief
# per-iteration linear warmup so the first steps of a fresh network stay tame.
optimizer = dict(type='SGD', lr=0.05, momentum=0.9, weight_decay=0.0001)
optimizer_config = dict(grad_clip=None)
lr_config = dict(policy='step', step=[6, 8], warmup='linear', warmup_iters=20, warmup_ratio=0.1)
runner = dict(type='EpochBasedRunner', max_epochs=10)
