"""vis-cam: Grad-CAM maps for CNNs and for token backbones (real ViT and Swin), layer lookup
and its errors."""
import re

import cv2
import numpy as np
import pytest
import torch
from torch import nn

from cls_lab.__main__ import main as cli
from cls_lab.analysis.cam import (compute_cam, find_layer, layer_names, resolve_target_layers,
                                  tokens_to_grid)
from cls_lab.config import Config
from cls_lab.engine.checkpoint import save_checkpoint
from cls_lab.models import build_classifier
from cls_lab.models.backbones.vision_transformer import VisionTransformer

from tiny_configs import DIGITS, ROOT, tiny_config, write_tiny_config


def test_tokens_become_a_grid_without_the_class_tokens():
    grid = torch.arange(2 * 4 * 24, dtype=torch.float32).reshape(2, 4, 24)   # (N, C, h*w)
    patches = grid.permute(0, 2, 1)                                 # (2, 24 tokens, 4 channels)
    for extra in (0, 1, 2):                                         # plain, cls, cls + dist
        tokens = torch.cat([torch.full((2, extra, 4), -1.0), patches], dim=1)
        out = tokens_to_grid(tokens, image_hw=(32, 48))             # 4 x 6 grid, aspect 2:3
        assert out.shape == (2, 4, 4, 6)
        assert torch.equal(out.flatten(2), grid)
    square = tokens_to_grid(torch.randn(1, 1 + 49, 8))             # ViT-style, square input
    assert square.shape == (1, 8, 7, 7)
    fmap = torch.randn(1, 3, 5, 5)
    assert tokens_to_grid(fmap) is fmap                             # CNN maps pass through
    with pytest.raises(ValueError, match='cannot lay 11 tokens out'):
        tokens_to_grid(torch.randn(1, 11, 4), num_extra_tokens=0)


class TinyTokenNet(nn.Module):
    """Patchify -> class token + patch tokens -> block -> mean of the patch tokens -> logits.

    Fixed weights: a token's channels are its patch's brightness, the class token is huge,
    and every class reads every channel, so the bright patch alone drives the score.
    """

    def __init__(self, dim=4, classes=2):
        super().__init__()
        self.patch = nn.Conv2d(3, dim, 4, stride=4)
        self.block = nn.Linear(dim, dim)
        self.fc = nn.Linear(dim, classes)
        with torch.no_grad():
            self.patch.weight.fill_(1 / 48)
            self.patch.bias.zero_()
            self.block.weight.copy_(torch.eye(dim))
            self.block.bias.zero_()
            self.fc.weight.fill_(1.0)
            self.fc.bias.zero_()

    def forward(self, x):
        tokens = self.patch(x).flatten(2).transpose(1, 2)           # (N, h*w, C)
        cls_token = torch.full((len(x), 1, tokens.shape[2]), 100.0)
        tokens = self.block(torch.cat([cls_token, tokens], dim=1))
        return self.fc(tokens[:, 1:].mean(dim=1))


def test_cam_of_a_token_model_finds_the_bright_patch():
    model = TinyTokenNet().eval()
    x = torch.zeros(1, 3, 16, 24)                                   # a 4 x 6 token grid
    x[..., 8:12, 16:20] = 3.0                                       # token (2, 4) is bright
    maps, targets = compute_cam(model, x, ['block'])                # 25 tokens: 1 extra inferred
    assert maps.shape == (1, 16, 24) and targets == [0]
    assert 0.0 <= maps.min() and maps.max() <= 1.0
    row, col = np.unravel_index(maps[0].argmax(), maps[0].shape)
    assert 6 <= row < 14 and 14 <= col < 22                         # around patch (2, 4)
    assert maps[0, :4, :8].max() < 0.05                              # the dark corner stays dark


@pytest.fixture(scope='module')
def digits_checkpoint(tmp_path_factory):
    tmp = tmp_path_factory.mktemp('cam')
    config = write_tiny_config(tmp / 'tiny.py', tmp / 'work')
    torch.manual_seed(0)
    model = build_classifier(tiny_config(tmp / 'work').model)
    model.init_weights()
    save_checkpoint(model, str(tmp / 'model.pth'), meta=dict(CLASSES=[str(i) for i in range(10)]))
    return dict(config=config, checkpoint=str(tmp / 'model.pth'), tmp=tmp)


def test_vis_cam_cli_on_a_cnn(digits_checkpoint, capsys):
    image = DIGITS / 'val' / '3' / sorted(p.name for p in (DIGITS / 'val' / '3').iterdir())[0]
    out = digits_checkpoint['tmp'] / 'cam.png'
    assert cli(['vis-cam', str(image), digits_checkpoint['config'], digits_checkpoint['checkpoint'],
                '--target-layers', 'backbone.features.3', '--target-category', '3', '5',
                '--out', str(out)]) == 0
    assert 'gradcam of 3 (3), 5 (5) at backbone.features.3' in capsys.readouterr().out
    assert out.stat().st_size > 5000
    with pytest.raises(SystemExit, match=r"unknown target layer 'backbone.featurez'; close names: backbone.features"):
        cli(['vis-cam', str(image), digits_checkpoint['config'], digits_checkpoint['checkpoint'],
             '--target-layers', 'backbone.featurez', '--out', str(out)])
    with pytest.raises(SystemExit, match='unknown CAM method'):
        cli(['vis-cam', str(image), digits_checkpoint['config'], digits_checkpoint['checkpoint'],
             '--method', 'magic', '--out', str(out)])


def test_find_layer_lists_valid_names_when_nothing_is_close():
    model = nn.Sequential(nn.Conv2d(3, 4, 3), nn.ReLU())
    with pytest.raises(ValueError, match=r"valid names: 0, 1 \(2 layers in all"):
        find_layer(model, 'backbone.totally_wrong')


ZOO_CAM = {   # digits config -> (default target layer, its token grid at 32x32, tokens dropped)
    'vision_transformer/vit-pico-p4_1xb32-adamw-10e_digits.py':     # 1 + 8x8 tokens
        ('backbone.layers.3.ln1', (8, 8), 1),
    'swin_transformer/swin-pico_1xb32-adamw-10e_digits.py':         # last stage: 4x4 tokens
        ('backbone.norm1', (4, 4), 0),
}


def zoo_model(config):
    """The digits config's real model with random weights; the head re-drawn as well, since
    ViT's head starts at zero (every gradient, hence every map, would be zero)."""
    cfg = Config.fromfile(str(ROOT / 'configs' / config))
    torch.manual_seed(0)
    model = build_classifier(cfg.model)
    model.init_weights()
    for p in model.head.parameters():
        nn.init.normal_(p, std=0.5)
    model.cfg = cfg
    return model.eval()


def reference_gradcam(model, x, layer, extra, grid, target):
    """Grad-CAM written out: grab the layer's tokens and their gradients, drop the extra
    tokens, lay them out row by row, weigh channels by mean gradient, ReLU, resize, rescale."""
    saved = {}
    hook = layer.register_forward_hook(lambda m, i, out: saved.update(out=out))
    try:
        logits = model.simple_test(x, softmax=False, post_process=False)
        grads, = torch.autograd.grad(logits[0, target], saved['out'])
    finally:
        hook.remove()
    acts = saved['out'][0, extra:].detach().reshape(*grid, -1)        # (h, w, C)
    weights = grads[0, extra:].reshape(*grid, -1).mean(dim=(0, 1))
    cam = torch.relu((acts * weights).sum(-1)).numpy()
    cam = cv2.resize((cam - cam.min()) / (cam.max() - cam.min()), x.shape[-1:-3:-1])
    return (cam - cam.min()) / (cam.max() - cam.min())              # resizing moved the peak


@pytest.mark.parametrize('config', sorted(ZOO_CAM))
def test_cam_of_real_vit_and_swin_lays_out_the_right_token_grid(config):
    name, grid, extra = ZOO_CAM[config]
    model = zoo_model(config)
    layers, found_extra = resolve_target_layers(model)
    assert layer_names(model, layers) == [name] and found_extra == extra
    torch.manual_seed(1)
    x = torch.randn(1, 3, 32, 32)
    maps, targets = compute_cam(model, x)
    assert maps.shape == (1, 32, 32) and maps.std() > 0.05          # the image's size, not flat
    expected = reference_gradcam(model, x, layers[0], extra, grid, targets[0])
    np.testing.assert_allclose(maps[0], expected, atol=1e-4)
    typo = name[:-1] + '9'                                          # backbone.norm9, ...ln9
    with pytest.raises(ValueError, match=rf"unknown target layer '{typo}'; close names: "
                                         rf"(.*, )?{re.escape(name)}(,| \()"):
        compute_cam(model, x, [typo])


def test_vis_cam_cli_on_a_vit_names_the_default_layer(tmp_path, capsys):
    config = 'vision_transformer/vit-pico-p4_1xb32-adamw-10e_digits.py'
    save_checkpoint(zoo_model(config), str(tmp_path / 'vit.pth'),
                    meta=dict(CLASSES=[str(i) for i in range(10)]))
    image = DIGITS / 'val' / '7' / sorted(p.name for p in (DIGITS / 'val' / '7').iterdir())[0]
    out = tmp_path / 'cam.png'
    assert cli(['vis-cam', str(image), str(ROOT / 'configs' / config), str(tmp_path / 'vit.pth'),
                '--out', str(out)]) == 0
    assert 'at backbone.layers.3.ln1; saved' in capsys.readouterr().out
    assert out.stat().st_size > 5000


def test_vit_without_class_token_and_without_final_norm_picks_its_own_default():
    arch = dict(embed_dims=16, num_layers=2, num_heads=2, feedforward_channels=32)
    no_cls = VisionTransformer(arch, img_size=32, patch_size=8, with_cls_token=False,
                               output_cls_token=False)
    layers, extra = resolve_target_layers(no_cls)
    assert layer_names(no_cls, layers) == ['ln1'] and extra == 0     # patch tokens feed the head
    no_final = VisionTransformer(arch, img_size=32, patch_size=8, final_norm=False)
    layers, extra = resolve_target_layers(no_final)
    assert layer_names(no_final, layers) == ['layers.1.ln1'] and extra == 1
