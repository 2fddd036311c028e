"""Records the mmcls 0.25 references of tests/test_zoo_transformers.py (see README.md).

Run with the mmcls venv: /work/mm1/bin/python tests/data/zoo/record_mmcls.py tests/data/zoo
"""
import glob, hashlib, json, os, sys, warnings
warnings.filterwarnings('ignore')
import torch
from mmcv import Config
from mmcls.models import build_classifier, build_backbone
CFG = '/work/mm1/lib/python3.11/site-packages/mmcls/.mim/configs'

def sig(model):
    sd = model.state_dict()
    lines = '\n'.join(f'{k}:{tuple(v.shape)}' for k, v in sorted(sd.items()))
    return dict(params=sum(p.numel() for p in model.parameters()), keys=len(sd),
                sha=hashlib.sha256(lines.encode()).hexdigest()[:16])

out = dict(configs={}, archs={})
for fam in ['vision_transformer', 'deit', 'swin_transformer', 'convnext']:
    for f in sorted(glob.glob(f'{CFG}/{fam}/*.py')):
        cfg = Config.fromfile(f)
        if True:  # mmcls's builders call .item(): build on the CPU
            m = build_classifier(cfg.model)
        name = f'{fam}/{os.path.basename(f)}'
        d = cfg.model.to_dict() if hasattr(cfg.model, 'to_dict') else dict(cfg.model)
        out['configs'][name] = dict(model=json.loads(json.dumps(d)), **sig(m))
archs = {'VisionTransformer': ['small', 'base', 'large', 'deit-tiny', 'deit-small', 'deit-base'],
         'DistilledVisionTransformer': ['deit-tiny', 'deit-small', 'deit-base'],
         'SwinTransformer': ['tiny', 'small', 'base', 'large'],
         'ConvNeXt': ['tiny', 'small', 'base', 'large', 'xlarge']}
for t, names in archs.items():
    for a in names:
        if True:  # mmcls's builders call .item(): build on the CPU
            m = build_backbone(dict(type=t, arch=a))
        out['archs'][f'{t}:{a}'] = sig(m)
json.dump(out, open(f'{sys.argv[1]}/transformers_mmcls.json', 'w'), indent=1, sort_keys=True)
print(len(out['configs']), 'configs', len(out['archs']), 'archs')


# --- small random-weight models: state dicts and outputs ---
import json, sys, warnings
warnings.filterwarnings('ignore')
import numpy as np, torch
from mmcls.models import build_classifier
OUT = sys.argv[1]
vit_arch = dict(embed_dims=16, num_layers=2, num_heads=2, feedforward_channels=32)
MODELS = {
 'vit': dict(type='ImageClassifier',
    backbone=dict(type='VisionTransformer', arch=vit_arch, img_size=32, patch_size=8,
                  out_indices=(0, 1)),
    head=dict(type='VisionTransformerClsHead', num_classes=5, in_channels=16, hidden_dim=8)),
 'deit': dict(type='ImageClassifier',
    backbone=dict(type='DistilledVisionTransformer', arch=vit_arch, img_size=32, patch_size=8),
    head=dict(type='DeiTClsHead', num_classes=5, in_channels=16)),
 'swin': dict(type='ImageClassifier',
    backbone=dict(type='SwinTransformer', arch=dict(embed_dims=8, depths=[2, 2], num_heads=[2, 2]),
                  img_size=32, window_size=4, out_indices=(0, 1), drop_path_rate=0.),
    neck=dict(type='GlobalAveragePooling'),
    head=dict(type='LinearClsHead', num_classes=5, in_channels=16)),
 'convnext': dict(type='ImageClassifier',
    backbone=dict(type='ConvNeXt', arch=dict(depths=[1, 1, 2, 1], channels=[4, 8, 12, 16]),
                  out_indices=(1, 3), gap_before_final_norm=True),
    head=dict(type='LinearClsHead', num_classes=5, in_channels=16)),
}
SIZES = dict(vit=(2, 3, 40, 40), deit=(2, 3, 32, 32), swin=(2, 3, 40, 40), convnext=(2, 3, 32, 32))
arrays = {}
for name, cfg in MODELS.items():
    torch.manual_seed(0)
    model = build_classifier(cfg).eval()
    gen = torch.Generator().manual_seed(1)
    with torch.no_grad():
        for k, p in model.named_parameters():
            p.copy_(torch.randn(p.shape, generator=gen) * 0.3 + (1.0 if k.endswith('norm.weight') or '.ln' in k and k.endswith('weight') else 0.))
    x = torch.randn(*SIZES[name], generator=gen)
    gt = torch.arange(x.shape[0]) % 5
    with torch.no_grad():
        feats = model.extract_feat(x, stage='backbone')
        flat = []
        for stage in feats:
            flat += [t for t in (stage if isinstance(stage, (list, tuple)) else [stage])]
        scores = model.simple_test(x, post_process=False) if hasattr(model, 'simple_test') else None
        scores = model.head.simple_test(model.extract_feat(x), softmax=False, post_process=False)
        loss = model.forward_train(x, gt)['loss']
    torch.save(model.state_dict(), f'{OUT}/{name}.pth')
    arrays[f'{name}_input'] = x.numpy()
    for i, t in enumerate(flat):
        arrays[f'{name}_feat{i}'] = t.numpy()
    arrays[f'{name}_logits'] = scores.numpy()
    arrays[f'{name}_loss'] = np.array(loss.item())
    print(name, [tuple(t.shape) for t in flat], scores.shape, loss.item())
np.savez_compressed(f'{OUT}/outputs.npz', **arrays)
json.dump(MODELS, open(f'{OUT}/small_models.json', 'w'), indent=1)
