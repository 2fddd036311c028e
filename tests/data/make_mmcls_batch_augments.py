import random, numpy as np, torch
from mmcls.models.utils import Augments
cases = {
 'cutmix-minmax': dict(type='BatchCutMix', alpha=1., num_classes=4, prob=1., cutmix_minmax=(0.2, 0.6)),
 'cutmix': dict(type='BatchCutMix', alpha=1., num_classes=4, prob=1.),
 'resizemix': dict(type='BatchResizeMix', alpha=1., num_classes=4, prob=1.),
 'mixup': dict(type='BatchMixup', alpha=0.4, num_classes=4, prob=1.),
 'choice': [dict(type='BatchMixup', alpha=0.4, num_classes=4, prob=0.3), dict(type='BatchCutMix', alpha=1., num_classes=4, prob=0.3)],
}
out = {}
for name, cfg in cases.items():
    for seed in range(3):
        random.seed(seed); np.random.seed(seed); torch.manual_seed(seed)
        img = torch.arange(4 * 3 * 8 * 8, dtype=torch.float32).reshape(4, 3, 8, 8)
        label = torch.tensor([0, 1, 2, 3])
        im, lab = Augments(cfg)(img, label)
        out[f'{name}-{seed}-img'] = im.numpy(); out[f'{name}-{seed}-label'] = lab.numpy()
np.savez_compressed('tests/data/mmcls_batch_augments.npz', **out)
