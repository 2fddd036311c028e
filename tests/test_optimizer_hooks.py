"""OptimizerHook (clipping), gradient accumulation, mixed precision, on a tiny fake runner."""
import logging
import math

import pytest
import torch
from torch import nn

from cls_lab.engine.hooks.optimizer import (Fp16OptimizerHook, GradientCumulativeFp16OptimizerHook,
                                            GradientCumulativeOptimizerHook, OptimizerHook,
                                            find_unused_parameters)
from cls_lab.registry import HOOKS


class LogBuffer:
    def __init__(self):
        self.values = []

    def update(self, values, count=1):
        self.values.append((dict(values), count))


class Runner:
    """What the optimizer hooks read: model, optimizer, outputs, iter, max_iters, log_buffer."""

    def __init__(self, model, optimizer, max_iters, device='cpu'):
        self.model, self.optimizer, self.max_iters, self.device = model, optimizer, max_iters, device
        self.iter, self.meta, self.outputs = 0, {}, None
        self.log_buffer, self.logger = LogBuffer(), logging.getLogger('test')
        self.autocast = self.grad_scaler = None


def train(hook, model, optimizer, batches):
    """Drive ``hook`` as the runner does: forward (under runner.autocast), then after_train_iter."""
    runner = Runner(model, optimizer, max_iters=len(batches))
    hook.before_run(runner)
    for x, y in batches:
        context = torch.autocast(**runner.autocast) if runner.autocast else torch.enable_grad()
        with context:
            loss = nn.functional.mse_loss(model(x), y)
        runner.outputs = dict(loss=loss, log_vars={}, num_samples=len(x))
        hook.after_train_iter(runner)
        runner.iter += 1
    return runner


def make(seed=0):
    torch.manual_seed(seed)
    model = nn.Sequential(nn.Linear(3, 8), nn.Tanh(), nn.Linear(8, 1))
    return model, torch.optim.SGD(model.parameters(), lr=0.1, momentum=0.9, weight_decay=1e-3)


def data(n, seed=1):
    g = torch.Generator().manual_seed(seed)
    return torch.randn(n, 3, generator=g), torch.randn(n, 1, generator=g)


def test_registered_names():
    for name in ('OptimizerHook', 'GradientCumulativeOptimizerHook', 'Fp16OptimizerHook',
                 'GradientCumulativeFp16OptimizerHook'):
        assert name in HOOKS
    assert HOOKS.build(dict(type='OptimizerHook', grad_clip=None)).grad_clip is None


def test_optimizer_hook_is_one_sgd_step():
    model, optimizer = make()
    ref_model, ref_optimizer = make()
    x, y = data(4)
    train(OptimizerHook(), model, optimizer, [(x, y)])
    ref_optimizer.zero_grad()
    nn.functional.mse_loss(ref_model(x), y).backward()
    ref_optimizer.step()
    for p, q in zip(model.parameters(), ref_model.parameters()):
        assert torch.equal(p, q)


def test_grad_clip_value_and_logged_norm():
    w = nn.Parameter(torch.zeros(4))
    coeffs = torch.tensor([3.0, 4.0, 0.0, 12.0])   # gradient of sum(c*w) is c, norm 13
    model = nn.Module()
    model.w = w
    runner = Runner(model, torch.optim.SGD([w], lr=1.0), max_iters=1)
    runner.outputs = dict(loss=(coeffs * w).sum(), num_samples=5)
    hook = OptimizerHook(grad_clip=dict(max_norm=1.0, norm_type=2))
    hook.after_train_iter(runner)
    assert runner.log_buffer.values == [({'grad_norm': pytest.approx(13.0)}, 5)]
    assert w.detach() == pytest.approx(-coeffs / 13.0, rel=1e-5)        # clipped to norm 1
    assert float(w.detach().norm()) == pytest.approx(1.0, rel=1e-5)


def test_grad_clip_needs_max_norm():
    with pytest.raises(KeyError, match='max_norm'):
        OptimizerHook(grad_clip=dict(norm_type=2))


@pytest.mark.parametrize('n_iters, big_batches', [(8, [4, 4]), (6, [4, 2])])
def test_accumulation_equals_the_large_batch(n_iters, big_batches):
    """4 iterations of 2 samples == 1 iteration of 8; a 2-iteration remainder == a batch of 4."""
    x, y = data(2 * n_iters)
    model, optimizer = make()
    small = [(x[i:i + 2], y[i:i + 2]) for i in range(0, len(x), 2)]
    runner = train(GradientCumulativeOptimizerHook(cumulative_iters=4), model, optimizer, small)
    ref_model, ref_optimizer = make()
    start, large = 0, []
    for size in big_batches:
        large.append((x[start:start + 2 * size], y[start:start + 2 * size]))
        start += 2 * size
    train(OptimizerHook(), ref_model, ref_optimizer, large)
    for p, q in zip(model.parameters(), ref_model.parameters()):
        torch.testing.assert_close(p, q, rtol=1e-5, atol=1e-6)
    assert runner.iter == n_iters


def test_accumulation_steps_only_every_n():
    model, optimizer = make()
    x, y = data(6)
    runner = Runner(model, optimizer, max_iters=10)
    hook = GradientCumulativeOptimizerHook(cumulative_iters=4)
    hook.before_run(runner)
    snapshot = [p.detach().clone() for p in model.parameters()]
    for i in range(4):   # iterations 0, 1, 2 of 10 only accumulate; iteration 3 steps
        runner.iter = i
        assert hook.loss_divisor(runner) == 4
        assert all(torch.equal(a, b) for a, b in zip(snapshot, model.parameters()))
        runner.outputs = dict(loss=nn.functional.mse_loss(model(x), y), num_samples=6)
        hook.after_train_iter(runner)
    assert not any(torch.equal(a, b) for a, b in zip(snapshot, model.parameters()))
    assert all(p.grad is None or not p.grad.any() for p in model.parameters())   # zeroed
    runner.iter = 8
    assert hook.loss_divisor(runner) == 2   # iterations 8, 9 form the remainder


def test_accumulation_warns_about_batchnorm(caplog):
    model = nn.Sequential(nn.Linear(3, 4), nn.BatchNorm1d(4), nn.Linear(4, 1))
    optimizer = torch.optim.SGD(model.parameters(), lr=0.1)
    x, y = data(8)
    with caplog.at_level(logging.WARNING):
        train(GradientCumulativeOptimizerHook(cumulative_iters=2), model, optimizer,
              [(x[:4], y[:4]), (x[4:], y[4:])])
    assert 'BatchNorm' in caplog.text


def test_bf16_autocast_on_cpu():
    model, optimizer = make()
    x, y = data(8)
    hook = Fp16OptimizerHook(dtype='bfloat16', grad_clip=dict(max_norm=10.0))
    runner = Runner(model, optimizer, max_iters=1)
    hook.before_run(runner)
    assert runner.autocast == dict(device_type='cpu', dtype=torch.bfloat16)
    assert runner.grad_scaler is None
    with torch.autocast(**runner.autocast):
        out = model(x)
    assert out.dtype == torch.bfloat16
    before = [p.detach().clone() for p in model.parameters()]
    runner.outputs = dict(loss=nn.functional.mse_loss(out.float(), y), num_samples=8)
    hook.after_train_iter(runner)
    assert all(p.dtype == torch.float32 for p in model.parameters())
    assert not any(torch.equal(a, b) for a, b in zip(before, model.parameters()))
    assert 'grad_norm' in runner.log_buffer.values[0][0]


def test_bf16_training_tracks_fp32():
    x, y = data(16)
    batches = [(x[i:i + 4], y[i:i + 4]) for i in range(0, 16, 4)]
    model, optimizer = make()
    train(Fp16OptimizerHook(dtype='bfloat16'), model, optimizer, batches)
    ref_model, ref_optimizer = make()
    train(OptimizerHook(), ref_model, ref_optimizer, batches)
    for p, q in zip(model.parameters(), ref_model.parameters()):
        torch.testing.assert_close(p, q, rtol=0.05, atol=0.02)


def test_fp16_on_cpu_falls_back_to_bf16_with_a_warning():
    model, optimizer = make()
    runner = Runner(model, optimizer, max_iters=1)
    with pytest.warns(UserWarning, match='bfloat16'):
        Fp16OptimizerHook(loss_scale=512.).before_run(runner)
    assert runner.autocast['dtype'] is torch.bfloat16 and runner.grad_scaler is None


def test_bad_fp16_arguments():
    with pytest.raises(ValueError, match='dtype'):
        Fp16OptimizerHook(dtype='float8')
    with pytest.raises(ValueError, match='loss_scale'):
        Fp16OptimizerHook(loss_scale='auto')


@pytest.mark.skipif(not torch.cuda.is_available(), reason='float16 loss scaling needs CUDA')
def test_fp16_scaler_on_cuda_and_resume():
    model, optimizer = make()
    model.cuda()
    optimizer = torch.optim.SGD(model.parameters(), lr=0.1)
    runner = Runner(model, optimizer, max_iters=2, device='cuda')
    hook = Fp16OptimizerHook(loss_scale='dynamic', grad_clip=dict(max_norm=1.0))
    hook.before_run(runner)
    assert runner.autocast['dtype'] is torch.float16 and runner.grad_scaler is not None
    x, y = (t.cuda() for t in data(8))
    with torch.autocast(**runner.autocast):
        loss = nn.functional.mse_loss(model(x), y)
    runner.outputs = dict(loss=loss, num_samples=8)
    hook.after_train_iter(runner)
    state = runner.meta['fp16']['loss_scaler']
    assert math.isfinite(state['scale'])
    assert runner.log_buffer.values[0][0]['grad_norm'] < 1e3    # unscaled before clipping
    resumed = Runner(model, optimizer, max_iters=2, device='cuda')
    resumed.meta = {'fp16': {'loss_scaler': state}}
    hook.before_run(resumed)
    assert resumed.grad_scaler.get_scale() == state['scale']


def test_cumulative_fp16_hook_bf16_on_cpu():
    x, y = data(8)
    model, optimizer = make()
    hook = GradientCumulativeFp16OptimizerHook(cumulative_iters=2, dtype='bfloat16')
    runner = train(hook, model, optimizer, [(x[i:i + 2], y[i:i + 2]) for i in range(0, 8, 2)])
    assert runner.autocast['dtype'] is torch.bfloat16 and hook.cumulative_iters == 2


def test_detect_anomalous_params(caplog):
    model = nn.ModuleDict(dict(used=nn.Linear(3, 1), unused=nn.Linear(3, 1)))
    x, y = data(4)
    loss = nn.functional.mse_loss(model['used'](x), y)
    assert find_unused_parameters(loss, model) == ['unused.weight', 'unused.bias']
    runner = Runner(model, torch.optim.SGD(model.parameters(), lr=0.1), max_iters=1)
    runner.outputs = dict(loss=loss, num_samples=4)
    with caplog.at_level(logging.ERROR):
        OptimizerHook(detect_anomalous_params=True).after_train_iter(runner)
    assert 'unused.weight' in caplog.text


def test_accumulation_and_bf16_on_the_real_runner():
    """Through EpochBasedRunner: 4 x 8 samples accumulated == batches of 32; bf16 autocast runs."""
    engine = pytest.importorskip('cls_lab.engine')

    class Regressor(nn.Linear):
        def train_step(self, data, optimizer):
            loss = nn.functional.mse_loss(self(data['img']), data['gt_label'])
            return dict(loss=loss, log_vars={'loss': loss.item()}, num_samples=len(data['img']))

    x, y = data(64)

    def fit(optimizer_config, batch_size):
        torch.manual_seed(0)
        model = Regressor(3, 1)
        optimizer = engine.build_optimizer(model, dict(type='SGD', lr=0.05, momentum=0.9))
        runner = engine.EpochBasedRunner(model, optimizer, max_epochs=2, device='cpu',
                                         logger=logging.getLogger('test'))
        runner.register_training_hooks(None, optimizer_config)
        loader = [dict(img=x[i:i + batch_size], gt_label=y[i:i + batch_size])
                  for i in range(0, 64, batch_size)]
        runner.run([loader], [('train', 1)])
        return model, runner

    accumulated, _ = fit(dict(type='GradientCumulativeOptimizerHook', cumulative_iters=4), 8)
    large, _ = fit(dict(grad_clip=None), 32)
    torch.testing.assert_close(accumulated.weight, large.weight, rtol=1e-5, atol=1e-6)
    bf16, runner = fit(dict(type='Fp16OptimizerHook', dtype='bfloat16'), 8)
    assert runner.autocast == dict(device_type='cpu', dtype=torch.bfloat16)
    torch.testing.assert_close(bf16.weight, fit(dict(grad_clip=None), 8)[0].weight, rtol=0.05, atol=0.02)


def test_mmcv_names_are_presets_of_the_one_hook():
    """The mmcv classes only choose defaults: same signature as mmcv, no behaviour of their own."""
    import inspect
    for cls in (GradientCumulativeOptimizerHook, Fp16OptimizerHook,
                GradientCumulativeFp16OptimizerHook):
        assert set(vars(cls)) - {'__module__', '__doc__', '__init__', '__qualname__'} == set()
    params = inspect.signature(Fp16OptimizerHook).parameters   # mmcv 1.7.2's order and defaults
    assert list(params)[:5] == ['grad_clip', 'coalesce', 'bucket_size_mb', 'loss_scale',
                                'distributed']
    assert params['loss_scale'].default == 512. and params['coalesce'].default is True
    hook = Fp16OptimizerHook(None, False, 25, 'dynamic', False)
    assert (hook.coalesce, hook.bucket_size_mb, hook.loss_scale, hook.distributed,
            hook.dtype) == (False, 25, 'dynamic', False, torch.float16)
    both = GradientCumulativeFp16OptimizerHook(cumulative_iters=3, grad_clip=dict(max_norm=1))
    assert isinstance(both, Fp16OptimizerHook) and both.cumulative_iters == 3
    with pytest.raises(ValueError, match='cumulative_iters'):
        GradientCumulativeOptimizerHook(cumulative_iters=0)


def test_options_of_the_one_hook_equal_the_mmcv_classes():
    x, y = data(8)
    batches = [(x[i:i + 2], y[i:i + 2]) for i in range(0, 8, 2)]
    model, optimizer = make()
    train(OptimizerHook(cumulative_iters=2, dtype='bfloat16'), model, optimizer, batches)
    ref_model, ref_optimizer = make()
    train(GradientCumulativeFp16OptimizerHook(cumulative_iters=2, dtype='bfloat16'), ref_model,
          ref_optimizer, batches)
    for p, q in zip(model.parameters(), ref_model.parameters()):
        assert torch.equal(p, q)


@pytest.mark.parametrize('loss_scale, scales', [
    (512., [512., 512.]), (dict(init_scale=65536., growth_interval=1), [32768., 65536.])])
def test_static_and_dynamic_loss_scale(loss_scale, scales):
    """A number stays the scale (mmcv's static scaling; an inf step is still skipped); a
    dynamic scale halves on inf and grows after ``growth_interval`` good steps. The scaler
    runs on the CPU here (the hook itself only scales float16 on CUDA)."""
    from cls_lab.engine.hooks.optimizer import make_grad_scaler
    w = nn.Parameter(torch.ones(2))
    runner = Runner(nn.Module(), torch.optim.SGD([w], lr=0.1), max_iters=2)
    runner.model.w = w
    hook = OptimizerHook(loss_scale=loss_scale, dtype='float16')
    runner.grad_scaler = make_grad_scaler(loss_scale, 'cpu')
    seen = []
    for coeffs in ([1., float('inf')], [1., 1.]):
        runner.outputs = dict(loss=(w * torch.tensor(coeffs)).sum(), num_samples=1)
        hook.after_train_iter(runner)
        seen.append(runner.meta['fp16']['loss_scaler']['scale'])
        runner.iter += 1
    assert seen == scales
    assert w.detach().tolist() == pytest.approx([0.9, 0.9])   # the inf step was skipped
