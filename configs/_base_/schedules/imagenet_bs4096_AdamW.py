# ViT pre-training on ImageNet, batch 4096: AdamW with strong weight decay (0.3, none on
# the class token and position embedding), 10000 iterations of warmup, then cosine to 0.
paramwise_cfg = dict(custom_keys={
    '.cls_token': dict(decay_mult=0.0),
    '.pos_embed': dict(decay_mult=0.0)
})
optimizer = dict(type='AdamW', lr=0.003, weight_decay=0.3, paramwise_cfg=paramwise_cfg)
optimizer_config = dict(grad_clip=dict(max_norm=1.0))
lr_config = dict(
    policy='CosineAnnealing',
    min_lr=0,
    warmup='linear',
    warmup_iters=10000,
    warmup_ratio=1e-4,
)
runner = dict(type='EpochBasedRunner', max_epochs=300)
