"""Model zoo, transformer half: ViT, DeiT, Swin, ConvNeXt equal mmcls 0.25 key for key.

Reference data under tests/data/zoo/ was recorded from mmcls 0.25 (the /work/mm1 venv):
``transformers_mmcls.json`` holds, for every mmcls config of these families and every named
arch, the parameter count and a hash of the sorted ``key:shape`` list of the state dict;
``{vit,deit,swin,convnext}.pth`` are random-weight state dicts of small models saved by
mmcls, ``outputs.npz`` their inputs, features, logits and loss.
"""
import hashlib
import json
import warnings
from pathlib import Path

import numpy as np
import pytest
import torch

from cls_lab.models import (ConvNeXt, DistilledVisionTransformer, SwinTransformer,
                            VisionTransformer, build_backbone, build_classifier)
from cls_lab.models.utils import (FFN, MultiheadAttention, PatchEmbed, PatchMerging,
                                  ShiftWindowMSA, resize_pos_embed)
from cls_lab.models.utils.attention import relative_position_index
from cls_lab.registry import MODELS

DATA = Path(__file__).parent / 'data' / 'zoo'
REF = json.loads((DATA / 'transformers_mmcls.json').read_text())
SMALL = json.loads((DATA / 'small_models.json').read_text())
FAMILIES = ('vision_transformer', 'deit', 'swin_transformer', 'convnext')


def signature(model):
    sd = model.state_dict()
    lines = '\n'.join(f'{k}:{tuple(v.shape)}' for k, v in sorted(sd.items()))
    return dict(params=sum(p.numel() for p in model.parameters()), keys=len(sd),
                sha=hashlib.sha256(lines.encode()).hexdigest()[:16])


def expected(record):
    return {k: record[k] for k in ('params', 'keys', 'sha')}


@pytest.mark.parametrize('family', FAMILIES)
def test_every_mmcls_config_builds_with_mmcls_keys_and_counts(family):
    names = [n for n in REF['configs'] if n.startswith(family + '/')]
    assert len(names) >= 5
    for name in names:
        with torch.device('meta'):
            model = MODELS.build(REF['configs'][name]['model'])
        assert signature(model) == expected(REF['configs'][name]), name


@pytest.mark.parametrize('name', sorted(REF['archs']))
def test_every_arch_has_mmcls_keys_and_counts(name):
    kind, arch = name.split(':')
    with torch.device('meta'):
        model = build_backbone(dict(type=kind, arch=arch))
    assert signature(model) == expected(REF['archs'][name])


def _flat(feats):
    out = []
    for stage in feats:
        out += list(stage) if isinstance(stage, (list, tuple)) else [stage]
    return out


@pytest.mark.parametrize('name', ['vit', 'deit', 'swin', 'convnext'])
def test_mmcls_state_dict_loads_and_gives_mmcls_outputs(name):
    ref = np.load(DATA / 'outputs.npz')
    model = build_classifier(SMALL[name]).eval()
    state = torch.load(DATA / f'{name}.pth', map_location='cpu', weights_only=True)
    model.load_state_dict(state, strict=True)
    x = torch.from_numpy(ref[f'{name}_input'])
    with torch.no_grad():
        feats = _flat(model.extract_feat(x, stage='backbone'))
        logits = model.head.simple_test(model.extract_feat(x), softmax=False, post_process=False)
        with warnings.catch_warnings():
            warnings.simplefilter('ignore')          # DeiT warns that it trains without teacher
            loss = model(x, gt_label=torch.arange(len(x)) % 5)['loss']
    n_feats = len([k for k in ref.files if k.startswith(f'{name}_feat')])
    assert len(feats) == n_feats
    for i, feat in enumerate(feats):
        np.testing.assert_allclose(feat.numpy(), ref[f'{name}_feat{i}'], rtol=1e-4, atol=1e-4)
    np.testing.assert_allclose(logits.numpy(), ref[f'{name}_logits'], rtol=1e-4, atol=1e-4)
    assert loss.item() == pytest.approx(float(ref[f'{name}_loss']), rel=1e-4, abs=1e-5)


def test_vit_outputs_tokens_and_resizes_a_checkpoint_pos_embed():
    arch = dict(embed_dims=16, num_layers=2, num_heads=2, feedforward_channels=32)
    vit = VisionTransformer(arch, img_size=32, patch_size=8, out_indices=(0, -1))
    patches, cls_token = vit(torch.randn(1, 3, 32, 32))[1]
    assert patches.shape == (1, 16, 4, 4) and cls_token.shape == (1, 16)
    bigger = VisionTransformer(arch, img_size=48, patch_size=8)
    bigger.load_state_dict(vit.state_dict())                 # 4x4 grid -> 6x6 grid
    assert bigger.pos_embed.shape == (1, 37, 16)
    assert torch.equal(bigger.pos_embed[:, 0], vit.pos_embed[:, 0])   # class token kept
    no_cls = VisionTransformer(arch, img_size=32, patch_size=8, with_cls_token=False,
                               output_cls_token=False)
    assert no_cls(torch.randn(1, 3, 32, 32))[0].shape == (1, 16, 4, 4)
    deit = DistilledVisionTransformer(arch, img_size=32, patch_size=8)
    assert [t.shape for t in deit(torch.randn(1, 3, 32, 32))[0]] == [
        (1, 16, 4, 4), (1, 16), (1, 16)]


def test_bad_arguments_name_the_value():
    with pytest.raises(KeyError, match='huge'):
        VisionTransformer('huge')
    with pytest.raises(ValueError, match='out_indices'):
        VisionTransformer('deit-tiny', out_indices=(12,))
    with pytest.raises(ValueError, match='with_cls_token'):
        VisionTransformer('deit-tiny', with_cls_token=False)
    with pytest.raises(KeyError, match='depths'):
        SwinTransformer(dict(embed_dims=96))
    with pytest.raises(KeyError, match='channels'):
        ConvNeXt(dict(depths=[3]))
    with pytest.raises(ValueError, match='smaller than the window'):
        ShiftWindowMSA(8, 2, window_size=7)(torch.randn(1, 16, 8), (4, 4))


def test_relative_position_index_matches_mmcls_construction():
    # mmcls builds it from a "double step" sequence, flipped; the offsets must agree
    Wh, Ww = 3, 4
    rows = torch.arange(0, (2 * Ww - 1) * Wh, 2 * Ww - 1)
    seq = (rows[:, None] + torch.arange(Ww)).reshape(1, -1)
    assert torch.equal(relative_position_index((Wh, Ww)), (seq + seq.T).flip(1))


def test_attention_equals_the_explicit_softmax_formula():
    torch.manual_seed(0)
    attn = MultiheadAttention(16, 4).eval()
    x = torch.randn(2, 5, 16)
    q, k, v = attn.qkv(x).reshape(2, 5, 3, 4, 4).permute(2, 0, 3, 1, 4)
    weights = (q @ k.transpose(-2, -1) * 4 ** -0.5).softmax(-1)
    expect = attn.proj((weights @ v).transpose(1, 2).reshape(2, 5, 16))
    torch.testing.assert_close(attn(x), expect)


def test_shared_layers_keys_and_shapes():
    embed = PatchEmbed(3, 8, kernel_size=4, stride=4, input_size=30, norm_cfg=dict(type='LN'))
    tokens, hw = embed(torch.randn(1, 3, 30, 30))           # 'corner' pads 30 -> 32
    assert hw == (8, 8) == embed.init_out_size and tokens.shape == (1, 64, 8)
    merged, hw = PatchMerging(8, 16)(tokens, (8, 8))
    assert hw == (4, 4) and merged.shape == (1, 16, 16)
    assert sorted(FFN(8, 32).state_dict()) == [
        'layers.0.0.bias', 'layers.0.0.weight', 'layers.1.bias', 'layers.1.weight']
    pos = torch.randn(1, 1 + 4, 8)
    assert resize_pos_embed(pos, (2, 2), (3, 3)).shape == (1, 10, 8)
    with pytest.raises(ValueError, match='img_size'):
        resize_pos_embed(pos, (3, 3), (4, 4))


def test_freezing_and_norm_eval():
    swin = SwinTransformer(dict(embed_dims=8, depths=[2, 2], num_heads=[2, 2]), img_size=32,
                           window_size=4, out_indices=(0, 1), frozen_stages=0).train()
    assert not any(p.requires_grad for p in swin.patch_embed.parameters())
    assert not any(p.requires_grad for p in swin.stages[0].parameters())
    assert not any(p.requires_grad for p in swin.norm0.parameters())
    assert all(p.requires_grad for p in swin.stages[1].parameters())
    convnext = ConvNeXt(dict(depths=[1, 1], channels=[8, 16]), out_indices=(1,),
                        frozen_stages=1).train()
    assert not any(p.requires_grad for p in convnext.stages[0].parameters())
    assert not convnext.downsample_layers[0].training
    assert all(p.requires_grad for p in convnext.stages[1].parameters())


def test_swin_loads_a_version_1_checkpoint_with_plain_norm_keys():
    arch = dict(embed_dims=8, depths=[2, 2], num_heads=[2, 2])
    swin = SwinTransformer(arch, img_size=32, window_size=4, out_indices=(1,))
    old = {k.replace('norm1.', 'norm.') if k.startswith('norm1.') else k: v
           for k, v in swin.state_dict().items()}
    old['stages.0.blocks.1.attn.attn_mask'] = torch.zeros(4, 16, 16)
    fresh = SwinTransformer(arch, img_size=32, window_size=4, out_indices=(1,))
    fresh.load_state_dict(old)                                # no _metadata: version None
    assert torch.equal(fresh.norm1.weight, swin.norm1.weight)
    with pytest.raises(ValueError, match='window_size'):
        SwinTransformer(arch, img_size=32, window_size=8, out_indices=(1,)).load_state_dict(
            swin.state_dict())


ROOT = Path(__file__).resolve().parents[1]
MMCLS_NAMED = ['vision_transformer/vit-base-p16_pt-64xb64_in1k-224.py',
               'deit/deit-tiny_pt-4xb256_in1k.py', 'deit/deit-tiny-distilled_pt-4xb256_in1k.py',
               'swin_transformer/swin-tiny_16xb64_in1k.py',
               'convnext/convnext-tiny_32xb128_in1k.py']
DIGITS = ['vision_transformer/vit-pico-p4_1xb32-adamw-10e_digits.py',
          'swin_transformer/swin-pico_1xb32-adamw-10e_digits.py',
          'convnext/convnext-pico_1xb32-adamw-10e_digits.py']


def test_shipped_configs_build_as_their_mmcls_namesakes():
    from cls_lab.config import Config
    for name in MMCLS_NAMED:
        with warnings.catch_warnings():
            warnings.simplefilter('ignore')      # the distilled config changes types on purpose
            cfg = Config.fromfile(str(ROOT / 'configs' / name))
        with torch.device('meta'):
            model = build_classifier(cfg.model)
        assert signature(model) == expected(REF['configs'][name]), name


@pytest.mark.parametrize('name', DIGITS)
def test_digits_configs_train_one_step(name):
    from cls_lab.config import Config
    cfg = Config.fromfile(str(ROOT / 'configs' / name))
    model = build_classifier(cfg.model)
    model.init_weights()
    losses = model(torch.randn(4, 3, 32, 32), gt_label=torch.tensor([0, 1, 2, 3]))
    losses['loss'].backward()
    assert torch.isfinite(losses['loss']) and cfg.model.head.num_classes == 10


def test_drop_path_and_checkpointing_train():
    torch.manual_seed(0)
    swin = SwinTransformer(dict(embed_dims=8, depths=[2, 2], num_heads=[2, 2]), img_size=32,
                           window_size=4, out_indices=(1,), drop_path_rate=0.5, with_cp=True)
    convnext = ConvNeXt(dict(depths=[2, 1], channels=[8, 16]), out_indices=(1,),
                        drop_path_rate=0.5, with_cp=True)
    vit = VisionTransformer(dict(embed_dims=8, num_layers=2, num_heads=2, feedforward_channels=16),
                            img_size=32, patch_size=8, drop_path_rate=0.5, drop_rate=0.1)
    for model in (swin, convnext, vit):
        model.train()
        out = model(torch.randn(4, 3, 32, 32, requires_grad=True))[-1]
        (out[0] if isinstance(out, list) else out).sum().backward()
        assert all(p.grad is not None for p in model.parameters() if p.requires_grad)
    assert type(swin.stages[1].blocks[1].attn.drop).__name__ == 'StochasticDepth'


def test_swin_takes_one_wide_image_whose_grid_is_one_window_high():
    """A 1x3x32x48 image leaves a 4x6 grid padded to 4x8 in the last stage: its windows come
    out of window_partition non-contiguous for a batch of one (a .view used to fail there)."""
    model = SwinTransformer(arch=dict(embed_dims=16, depths=[2, 2], num_heads=[2, 2]),
                            img_size=32, patch_size=4, window_size=4, out_indices=(1,)).eval()
    with torch.no_grad():
        wide = model(torch.randn(1, 3, 32, 48))[0]
    assert wide.shape == (1, 32, 4, 6)
