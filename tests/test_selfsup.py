"""Self-supervised learning (seed 002): losses, MoCo queue and key encoder, memory bank,
the selfsup dataset and configs, and a real pretrain -> linear-probe comparison on digits."""
import copy
import math
from pathlib import Path

import pytest
import torch
import torch.nn as nn
import torch.nn.functional as F

import cls_lab
import cls_lab.datasets.selfsup  # noqa: F401  (registers SelfSupDataset)
import cls_lab.models.selfsup  # noqa: F401  (registers the algorithms, necks, heads)
from cls_lab.apis import set_random_seed, single_gpu_test, train_model
from cls_lab.config import Config
from cls_lab.datasets import build_dataloader, build_dataset
from cls_lab.models.selfsup import (ContrastiveHead, MemoryBank, MoCo, NonLinearNeck,
                                    ProbeNeck, nt_xent_pairs)
from cls_lab.registry import DATASETS, MODELS

ROOT = Path(cls_lab.ROOT)
CONFIGS = ROOT / 'configs' / 'selfsup'
SIMCLR_CFG = CONFIGS / 'simclr_resnet18-narrow_1xb128-coslr-3e_digits.py'
MOCO_CFG = CONFIGS / 'moco-v2_resnet18-narrow_1xb128-coslr-3e_digits.py'
NPID_CFG = CONFIGS / 'npid_resnet18-narrow_1xb128-coslr-3e_digits.py'
PROBE_CFG = CONFIGS / 'linear-probe_resnet18-narrow_1xb32-5e_digits.py'


@MODELS.register_module(force=True)
class TinyTestBackbone(nn.Module):
    """A conv + ReLU: enough to test the algorithms without the cost of a ResNet."""

    def __init__(self, channels=8):
        super().__init__()
        self.conv = nn.Conv2d(3, channels, 3, padding=1)

    def forward(self, x):
        return (F.relu(self.conv(x)),)


def tiny(kind, **kwargs):
    neck = dict(type='NonLinearNeck', in_channels=8, hid_channels=16, out_channels=6)
    return MODELS.build(dict(type=kind, backbone=dict(type='TinyTestBackbone'), neck=neck,
                             head=dict(type='ContrastiveHead', temperature=0.3), **kwargs))


# ---------------------------------------------------------------- losses


def info_nce_by_hand(pos, neg, temperature):
    """-log(e^{p/T} / (e^{p/T} + sum_k e^{n_k/T})), one query at a time, in float64."""
    total = 0.0
    for p, row in zip(pos.double().flatten().tolist(), neg.double().tolist()):
        denominator = math.exp(p / temperature) + sum(math.exp(n / temperature) for n in row)
        total += -math.log(math.exp(p / temperature) / denominator)
    return total / len(pos)


def test_contrastive_head_matches_the_infonce_formula():
    torch.manual_seed(0)
    pos, neg = torch.rand(5, 1) * 2 - 1, torch.rand(5, 7) * 2 - 1
    for temperature in (0.07, 0.5, 1.0):
        loss = ContrastiveHead(temperature)(pos, neg)['loss']
        assert loss.item() == pytest.approx(info_nce_by_hand(pos, neg, temperature), rel=1e-5)
    # a positive far above every negative costs (almost) nothing; swapped it costs a lot
    easy = ContrastiveHead(0.1)(torch.ones(3, 1), -torch.ones(3, 4))['loss']
    hard = ContrastiveHead(0.1)(-torch.ones(3, 1), torch.ones(3, 4))['loss']
    assert easy.item() < 1e-6 and hard.item() > 20
    with pytest.raises(ValueError, match='temperature'):
        ContrastiveHead(0)
    with pytest.raises(ValueError, match=r'\(N, 1\)'):
        ContrastiveHead()(torch.zeros(3, 2), torch.zeros(3, 4))


def nt_xent_by_hand(z_a, z_b, temperature):
    """SimCLR's loss from its definition: for each of the 2N embeddings, its partner view
    against all 2N - 1 others, with cosine similarity."""
    z = torch.cat([z_a, z_b]).double()
    n = len(z_a)
    total = 0.0
    for i in range(2 * n):
        j = i + n if i < n else i - n
        cos = [F.cosine_similarity(z[i], z[k], dim=0).item() for k in range(2 * n)]
        denominator = sum(math.exp(cos[k] / temperature) for k in range(2 * n) if k != i)
        total += -math.log(math.exp(cos[j] / temperature) / denominator)
    return total / (2 * n)


def test_nt_xent_pairs_and_simclr_loss_match_the_definition():
    torch.manual_seed(1)
    z_a, z_b = torch.randn(4, 5), torch.randn(4, 5)
    pos, neg = nt_xent_pairs(torch.cat([z_a, z_b]))
    assert pos.shape == (8, 1) and neg.shape == (8, 6)
    loss = ContrastiveHead(0.2)(pos, neg)['loss']
    assert loss.item() == pytest.approx(nt_xent_by_hand(z_a, z_b, 0.2), rel=1e-5)

    model = tiny('SimCLR')
    model.train()
    views = [torch.randn(4, 3, 8, 8), torch.randn(4, 3, 8, 8)]
    losses = model(views)                                   # mode='train' is the default
    z = model.neck(model.backbone(torch.cat(views)))[0]     # the same batch: same BN stats
    expected = nt_xent_by_hand(z[:4].detach(), z[4:].detach(), 0.3)
    assert losses['loss'].item() == pytest.approx(expected, rel=1e-4)


def test_simclr_contract_and_errors():
    model = tiny('SimCLR')
    views = [torch.randn(4, 3, 8, 8), torch.randn(4, 3, 8, 8)]
    out = model.train_step(dict(img=views), None)
    assert set(out) == {'loss', 'log_vars', 'num_samples'} and out['num_samples'] == 4
    assert isinstance(out['log_vars']['loss'], float) and out['loss'].requires_grad
    out['loss'].backward()
    assert model.backbone.conv.weight.grad is not None
    feats = model(views[0], mode='extract')
    assert isinstance(feats, tuple) and feats[0].shape == (4, 8, 8, 8)
    with pytest.raises(ValueError, match='list of 2 views'):
        model(views[0])
    with pytest.raises(ValueError, match="mode must be 'train' or 'extract'"):
        model(views, mode='test')
    with pytest.raises(KeyError, match='neck='):
        MODELS.build(dict(type='SimCLR', backbone=dict(type='TinyTestBackbone')))


# ---------------------------------------------------------------- MoCo


def test_moco_queue_pointer_and_wraparound():
    model = tiny('MoCo', queue_len=5, feat_dim=6)
    first, second, third = torch.randn(2, 6), torch.randn(2, 6), torch.randn(2, 6)
    model.enqueue(first)
    assert int(model.queue_ptr) == 2 and torch.equal(model.queue[:, :2], first.t())
    model.enqueue(second)
    assert int(model.queue_ptr) == 4 and torch.equal(model.queue[:, 2:4], second.t())
    before = model.queue.clone()
    model.enqueue(third)                # columns 4 and 0: the oldest key is overwritten
    assert int(model.queue_ptr) == 1
    assert torch.equal(model.queue[:, 4], third[0]) and torch.equal(model.queue[:, 0], third[1])
    assert torch.equal(model.queue[:, 1:4], before[:, 1:4])
    with pytest.raises(ValueError, match='feat_dim=6'):
        model.enqueue(torch.randn(2, 3))


def test_moco_momentum_encoder_is_an_exact_ema_without_gradients():
    torch.manual_seed(0)
    model = tiny('MoCo', queue_len=8, feat_dim=6, momentum=0.9)
    model.init_weights()
    for (name, q), k in zip(model.backbone.named_parameters(), model.key_backbone.parameters()):
        assert torch.equal(q, k) and not k.requires_grad, name
    optimizer = torch.optim.SGD([p for p in model.parameters() if p.requires_grad], lr=0.5)
    assert not any(p is k for p in optimizer.param_groups[0]['params']
                   for k in model.key_backbone.parameters())
    model.train()
    views = [torch.randn(4, 3, 8, 8), torch.randn(4, 3, 8, 8)]
    out = model.train_step(dict(img=views), optimizer)
    out['loss'].backward()
    assert all(k.grad is None for k in model.key_backbone.parameters())
    assert all(k.grad is None for k in model.key_neck.parameters())
    optimizer.step()
    query = [p.detach().clone() for p in model.backbone.parameters()]
    key_before = [p.detach().clone() for p in model.key_backbone.parameters()]
    ptr, queue = int(model.queue_ptr), model.queue.clone()
    model.train_step(dict(img=views), optimizer)     # the EMA runs before the keys are made
    for q, k_old, k_new in zip(query, key_before, model.key_backbone.parameters()):
        torch.testing.assert_close(k_new, 0.9 * k_old + 0.1 * q, rtol=0, atol=1e-7)
        assert not torch.equal(k_new, k_old)
    assert int(model.queue_ptr) == (ptr + 4) % 8 and not torch.equal(model.queue, queue)
    # val_step changes neither the key encoder's weights nor the queue; in eval mode (as the
    # runner's val does it) nothing changes at all, BN statistics included
    def watched():
        keys = list(model.key_backbone.parameters()) + list(model.key_neck.parameters())
        return [t.detach().clone() for t in keys + [model.queue, model.queue_ptr]]

    before = watched()
    model.val_step(dict(img=views))
    assert all(torch.equal(a, b) for a, b in zip(before, watched()))
    model.eval()
    state = copy.deepcopy(model.state_dict())
    model.val_step(dict(img=views))
    model(views)
    for key, value in model.state_dict().items():
        assert torch.equal(value, state[key]), key


def test_moco_queue_keys_are_the_normalised_key_features():
    torch.manual_seed(0)
    model = tiny('MoCo', queue_len=8, feat_dim=6, momentum=0.0)   # key = current query
    model.eval()        # same BN behaviour in both encoders, so the keys are reproducible
    views = [torch.randn(4, 3, 8, 8), torch.randn(4, 3, 8, 8)]
    model.forward_train(views, update_state=True)
    expected = F.normalize(model.neck(model.backbone(views[1]))[0], dim=1)
    torch.testing.assert_close(model.queue[:, :4], expected.t().detach())
    torch.testing.assert_close(model.queue.norm(dim=0), torch.ones(8))


# ---------------------------------------------------------------- memory bank, NPID


def test_memory_bank_momentum_update():
    torch.manual_seed(0)
    bank = MemoryBank(length=10, feat_dim=4, momentum=0.25)
    torch.testing.assert_close(bank.feature_bank.norm(dim=1), torch.ones(10))
    old = bank.feature_bank.clone()
    idx, feature = torch.tensor([2, 7]), torch.randn(2, 4) * 3
    bank.update(idx, feature)
    mixed = 0.25 * old[idx] + 0.75 * feature / feature.norm(dim=1, keepdim=True)
    torch.testing.assert_close(bank.feature_bank[idx], mixed / mixed.norm(dim=1, keepdim=True))
    untouched = [i for i in range(10) if i not in (2, 7)]
    assert torch.equal(bank.feature_bank[untouched], old[untouched])
    bank_copy = MemoryBank(10, 4, momentum=0.0)
    bank_copy.update(torch.tensor([0]), torch.tensor([[0., 3., 0., 4.]]))
    torch.testing.assert_close(bank_copy.get(torch.tensor([0])), torch.tensor([[0, .6, 0, .8]]))
    assert bank.get(torch.tensor([[1, 2], [3, 4]])).shape == (2, 2, 4)
    neg = bank.sample_negatives(3, 5)
    assert neg.shape == (3, 5) and neg.min() >= 0 and neg.max() < 10
    assert 'feature_bank' in bank.state_dict()
    with pytest.raises(IndexError, match='length'):
        bank.update(torch.tensor([10]), torch.randn(1, 4))
    with pytest.raises(ValueError, match=r'\(1, 4\)'):
        bank.update(torch.tensor([1]), torch.randn(1, 3))


def test_npid_updates_only_the_seen_entries():
    torch.manual_seed(0)
    model = tiny('NPID', neg_num=5, ensure_neg=True,
                 memory_bank=dict(type='MemoryBank', length=12, feat_dim=6, momentum=0.5))
    model.train()
    old = model.memory_bank.feature_bank.clone()
    idx = torch.tensor([0, 3, 11])
    out = model.train_step(dict(img=[torch.randn(3, 3, 8, 8)], idx=idx), None)
    assert out['num_samples'] == 3 and out['loss'].requires_grad
    changed = (model.memory_bank.feature_bank != old).any(dim=1).nonzero().flatten()
    assert changed.tolist() == [0, 3, 11]
    with pytest.raises(KeyError, match='with_idx=True'):
        model(torch.randn(3, 3, 8, 8))


def test_nonlinear_neck_options():
    x = (torch.randn(4, 8, 3, 3),)
    neck = NonLinearNeck(8, 16, 5, num_layers=3, with_bias=True, with_last_bn=False)
    linears = [m for m in neck.modules() if isinstance(m, nn.Linear)]
    bns = [m for m in neck.modules() if isinstance(m, nn.BatchNorm1d)]
    assert [lin.out_features for lin in linears] == [16, 16, 5] and len(bns) == 2
    assert all(lin.bias is not None for lin in linears)
    assert neck(x)[0].shape == (4, 5)
    neck = NonLinearNeck(8, 16, 5, num_layers=1, with_last_bn=True)
    assert neck.mlp[0].bias is None and isinstance(neck.mlp[-1], nn.BatchNorm1d)
    assert neck(torch.randn(4, 8))[0].shape == (4, 5)
    with pytest.raises(ValueError, match='with_avg_pool'):
        NonLinearNeck(8, 16, 5, with_avg_pool=False)(x)
    probe = ProbeNeck(8).train()
    out = probe(x)
    assert not list(probe.parameters())             # the probe stays a linear classifier
    torch.testing.assert_close(out.mean(0), torch.zeros(8), atol=1e-5, rtol=0)


# ---------------------------------------------------------------- data and configs


def view_size(cfg, size):
    """Shrink a config's images to ``size`` pixels (the digits are 8x8 upscaled: little lost)."""
    for step in cfg.data.train.pipeline:
        for view in step.get('pipelines', []):
            for transform in view:
                if transform['type'] == 'RandomResizedCrop':
                    transform['size'] = size


def test_selfsup_dataset_hides_labels_and_makes_views():
    cfg = Config.fromfile(str(SIMCLR_CFG))
    dataset = build_dataset(cfg.data.train)
    assert len(dataset) == 1437 and dataset.CLASSES is None
    sample = dataset[0]
    assert set(sample) == {'img'} and len(sample['img']) == 2
    batch = next(iter(build_dataloader(dataset, 4, 0, seed=0)))
    assert isinstance(batch['img'], list)
    assert [v.shape for v in batch['img']] == [(4, 3, 32, 32)] * 2
    assert not torch.equal(batch['img'][0], batch['img'][1])       # two different augmentations
    indexed = DATASETS.build(dict(cfg.data.train, with_idx=True))
    assert indexed[5]['idx'] == 5 and 'gt_label' not in indexed[5]
    with pytest.raises(NotImplementedError, match='linear probe'):
        dataset.evaluate([])


@pytest.mark.parametrize('path', [SIMCLR_CFG, MOCO_CFG, NPID_CFG])
def test_pretraining_configs_build_and_step(path):
    cfg = Config.fromfile(str(path))
    model = MODELS.build(cfg.model)
    model.init_weights()
    dataset = build_dataset(cfg.data.train)
    loader = build_dataloader(dataset, 4, 0, seed=0)
    batch = next(iter(loader))
    out = model.train_step(batch, None)
    assert out['num_samples'] == 4 and math.isfinite(out['log_vars']['loss'])
    if isinstance(model, MoCo):
        assert model.queue.shape == (64, 1024) and int(model.queue_ptr) == 4


# ---------------------------------------------------------------- training, linear probe


@pytest.fixture(scope='module')
def simclr_run(tmp_path_factory):
    """A short SimCLR pretraining with the runner: narrow ResNet (8 base channels), 16x16 views."""
    work_dir = tmp_path_factory.mktemp('simclr')
    cfg = Config.fromfile(str(SIMCLR_CFG))
    cfg.merge_from_dict({'model.backbone.stem_channels': 8, 'model.backbone.base_channels': 8,
                         'model.neck.in_channels': 64, 'model.neck.hid_channels': 64,
                         'log_config.interval': 1, 'work_dir': str(work_dir), 'seed': 0})
    view_size(cfg, 16)
    set_random_seed(0)
    model = MODELS.build(cfg.model)
    model.init_weights()
    runner = train_model(model, [build_dataset(cfg.data.train)], cfg, device='cpu')
    return runner, work_dir


def test_short_simclr_run_lowers_the_loss(simclr_run):
    runner, work_dir = simclr_run
    losses = [entry['loss'] for entry in _log_entries(runner) if entry.get('mode') == 'train']
    assert len(losses) == 36                                   # 3 epochs x 12 iterations
    print(f'SimCLR loss: first 6 iterations {sum(losses[:6]) / 6:.3f}, '
          f'last 6 {sum(losses[-6:]) / 6:.3f}')
    assert sum(losses[-6:]) / 6 < sum(losses[:6]) / 6 - 0.5
    assert (work_dir / 'latest.pth').exists()


def _log_entries(runner):
    import json
    log = next(Path(runner.work_dir).glob('*.log.json'))
    return [json.loads(line) for line in log.read_text().splitlines() if '"mode"' in line]


def probe_accuracy(checkpoint, work_dir):
    """Train a linear probe on a frozen backbone (checkpoint=None: random init); val top-1."""
    cfg = Config.fromfile(str(PROBE_CFG))
    init_cfg = None if checkpoint is None else dict(type='Pretrained', checkpoint=str(checkpoint),
                                                    prefix='backbone')
    cfg.merge_from_dict({'model.backbone.stem_channels': 8, 'model.backbone.base_channels': 8,
                         'model.backbone.init_cfg': init_cfg, 'model.neck.in_channels': 64,
                         'model.head.in_channels': 64, 'runner.max_epochs': 3,
                         'checkpoint_config.interval': 100, 'work_dir': str(work_dir),
                         'seed': 0, 'data.train.pipeline.1.size': 16,
                         'data.val.pipeline.1.size': 16})
    set_random_seed(0)
    model = MODELS.build(cfg.model)
    model.init_weights()
    frozen = copy.deepcopy(model.backbone.state_dict())
    train_model(model, [build_dataset(cfg.data.train)], cfg, device='cpu')
    for key, value in model.backbone.state_dict().items():     # the backbone did not move
        assert torch.equal(value, frozen[key]), key
    val = build_dataset(cfg.data.val, dict(test_mode=True))
    results = single_gpu_test(model, build_dataloader(val, 64, 0, shuffle=False))
    return val.evaluate(results, metric='accuracy', metric_options=dict(topk=(1,)))[
        'accuracy_top-1']


def test_linear_probe_pretrained_beats_random(simclr_run, tmp_path):
    _, work_dir = simclr_run
    pretrained = probe_accuracy(work_dir / 'latest.pth', tmp_path / 'pretrained')
    random_init = probe_accuracy(None, tmp_path / 'random')
    print(f'linear probe top-1: pretrained {pretrained:.1f}%, random {random_init:.1f}%')
    assert pretrained > random_init + 10
    assert pretrained > 50
