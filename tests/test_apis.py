"""The high-level API: seeding, train_model, init_model / inference_model, show, test loops."""
import os
import random
import warnings

import numpy as np
import pytest
import torch

from cls_lab.apis import (find_latest_checkpoint, inference_model, init_model,
                          set_random_seed, show_result_pyplot, single_gpu_test, train_model)
from cls_lab.config import Config
from cls_lab.datasets import build_dataloader, build_dataset
from cls_lab.engine import Hook
from cls_lab.models import build_classifier
from cls_lab.registry import HOOKS

from tiny_configs import DIGITS, tiny_config

NAMES = ['zero', 'one', 'two', 'three', 'four', 'five', 'six', 'seven', 'eight', 'nine']


@HOOKS.register_module(force=True)
class RecordLossHook(Hook):
    """Keeps every training loss and what the EvalHook put in the log after each epoch."""

    def __init__(self):
        self.losses, self.evaluations = [], []

    def after_train_iter(self, runner):
        self.losses.append(float(runner.outputs['loss'].detach()))

    def after_train_epoch(self, runner):
        out = runner.log_buffer.output
        self.evaluations.append({k: v for k, v in out.items() if k.startswith('accuracy')})


def draws():
    return random.random(), float(np.random.rand()), float(torch.rand(1))


def test_set_random_seed_reproduces_python_numpy_torch():
    set_random_seed(7)
    first = draws()
    set_random_seed(7)
    assert draws() == first
    set_random_seed(8)
    assert draws() != first


def test_set_random_seed_deterministic_sets_flags():
    try:
        set_random_seed(0, deterministic=True)
        assert torch.backends.cudnn.deterministic and not torch.backends.cudnn.benchmark
        assert torch.are_deterministic_algorithms_enabled()
        assert torch.is_deterministic_algorithms_warn_only_enabled()
    finally:
        torch.use_deterministic_algorithms(False)
        torch.backends.cudnn.deterministic = False


def test_find_latest_checkpoint(tmp_path):
    assert find_latest_checkpoint(tmp_path) is None
    for name in ['epoch_2.pth', 'epoch_10.pth', 'epoch_9.pth', 'best_accuracy.pth']:
        (tmp_path / name).write_bytes(b'')
    assert find_latest_checkpoint(tmp_path) == str(tmp_path / 'epoch_10.pth')
    (tmp_path / 'latest.pth').write_bytes(b'')
    assert find_latest_checkpoint(tmp_path) == str(tmp_path / 'latest.pth')


def build_and_train(cfg, validate=True):
    set_random_seed(cfg.seed)
    model = build_classifier(cfg.model)
    model.init_weights()
    datasets = [build_dataset(cfg.data.train)]
    runner = train_model(model, datasets, cfg, validate=validate, device='cpu')
    return model, runner


@pytest.fixture(scope='module')
def trained(tmp_path_factory):
    """A tiny classifier trained 3 epochs on 10-class digit crumbs named zero..nine."""
    work_dir = tmp_path_factory.mktemp('trained')
    cfg = tiny_config(work_dir, max_epochs=3, classes=NAMES,
                      custom_hooks=[dict(type='RecordLossHook', priority=80)])
    model, runner = build_and_train(cfg)
    recorder = next(h for h in runner.hooks if isinstance(h, RecordLossHook))
    return dict(cfg=cfg, model=model, runner=runner, recorder=recorder, work_dir=work_dir)


def test_train_model_lowers_loss_writes_checkpoints_and_evaluates(trained):
    runner, recorder, work_dir = trained['runner'], trained['recorder'], trained['work_dir']
    assert runner.epoch == 3
    losses = recorder.losses
    assert len(losses) == runner.iter
    third = len(losses) // 3
    assert np.mean(losses[-third:]) < 0.8 * np.mean(losses[:third]), losses
    for name in ['epoch_1.pth', 'epoch_2.pth', 'epoch_3.pth', 'latest.pth']:
        assert (work_dir / name).is_file(), sorted(os.listdir(work_dir))
    assert len(recorder.evaluations) == 3
    assert all('accuracy_top-1' in e for e in recorder.evaluations), recorder.evaluations
    assert recorder.evaluations[-1]['accuracy_top-1'] > 10.0   # better than chance


def test_checkpoint_meta_carries_classes_and_config(trained):
    checkpoint = torch.load(trained['work_dir'] / 'latest.pth', weights_only=True)
    assert checkpoint['meta']['CLASSES'] == NAMES
    assert 'model = dict(' in checkpoint['meta']['config']


def test_init_model_reads_classes_from_checkpoint(trained):
    model = init_model(trained['cfg'], trained['work_dir'] / 'latest.pth', device='cpu')
    assert model.CLASSES == NAMES
    assert not model.training and model.cfg.model == trained['cfg'].model
    for key, value in trained['model'].state_dict().items():
        torch.testing.assert_close(model.state_dict()[key], value.cpu())


def test_init_model_without_classes_warns_and_falls_back(trained, tmp_path):
    checkpoint = torch.load(trained['work_dir'] / 'latest.pth', weights_only=True)
    del checkpoint['meta']['CLASSES']
    torch.save(checkpoint, tmp_path / 'no_classes.pth')
    with pytest.warns(UserWarning, match='no class names'):
        model = init_model(trained['cfg'], tmp_path / 'no_classes.pth', device='cpu')
    assert model.CLASSES == [str(i) for i in range(10)]    # a 10-way head: index names


def test_init_model_options_override_the_config(trained):
    with warnings.catch_warnings():
        warnings.simplefilter('ignore')
        model = init_model(trained['cfg'], options={'model.head.num_classes': 4}, device='cpu')
    assert model.cfg.model.head.num_classes == 4
    assert trained['cfg'].model.head.num_classes == 10     # the caller's config is untouched


def test_inference_model_path_and_bgr_array_agree(trained):
    from PIL import Image
    model = init_model(trained['cfg'], trained['work_dir'] / 'latest.pth', device='cpu')
    path = DIGITS / 'val' / '3' / '0045.png'
    by_path = inference_model(model, str(path))
    bgr = np.asarray(Image.open(path).convert('RGB'))[..., ::-1].copy()
    untouched = bgr.copy()
    by_array = inference_model(model, bgr)
    assert by_path == by_array
    np.testing.assert_array_equal(bgr, untouched)            # the caller's array is not altered
    assert inference_model(model, bgr[..., ::-1][..., ::-1]) == by_path   # a strided view
    assert set(by_path) == {'pred_label', 'pred_score', 'pred_class'}
    assert isinstance(by_path['pred_label'], int) and isinstance(by_path['pred_score'], float)
    assert by_path['pred_class'] == NAMES[by_path['pred_label']]
    assert 0.0 < by_path['pred_score'] <= 1.0
    rgb_result = inference_model(model, bgr[..., ::-1].copy())   # wrong channel order
    assert rgb_result['pred_score'] != by_path['pred_score'] or bgr.std(axis=2).max() == 0


def test_inference_model_rejects_bad_inputs(trained):
    model = init_model(trained['cfg'], trained['work_dir'] / 'latest.pth', device='cpu')
    with pytest.raises(FileNotFoundError, match='nope.png'):
        inference_model(model, 'nope.png')
    with pytest.raises(TypeError, match='file path or a numpy array'):
        inference_model(model, [1, 2, 3])


def test_show_result_pyplot_returns_a_figure(trained):
    from matplotlib.figure import Figure
    model = init_model(trained['cfg'], trained['work_dir'] / 'latest.pth', device='cpu')
    path = str(DIGITS / 'val' / '7' / '0081.png')
    result = inference_model(model, path)
    figure = show_result_pyplot(model, path, result, title='a seven')
    assert isinstance(figure, Figure)
    axes = figure.axes[0]
    assert axes.get_title() == 'a seven'
    assert any(result['pred_class'] in t.get_text() for t in axes.texts)
    assert axes.images[0].get_array().shape[:2] == (32, 32)


def test_single_gpu_test_scores_every_image_in_order(trained, tmp_path):
    cfg = trained['cfg']
    model = init_model(cfg, trained['work_dir'] / 'latest.pth', device='cpu')
    dataset = build_dataset(cfg.data.test, dict(test_mode=True))
    loader = build_dataloader(dataset, 4, 0, shuffle=False)
    results = single_gpu_test(model, loader, out_dir=str(tmp_path / 'shown'))
    assert len(results) == len(dataset)
    assert all(abs(float(r.sum()) - 1.0) < 1e-4 for r in results)
    first = inference_model(model, os.path.join(dataset.data_infos[0]['img_prefix'],
                                                 dataset.data_infos[0]['img_info']['filename']))
    assert int(np.argmax(results[0])) == first['pred_label']
    assert len(list((tmp_path / 'shown').rglob('*.png'))) == len(dataset)
    metrics = dataset.evaluate(results, metric='accuracy')
    during_training = trained['recorder'].evaluations[-1]['accuracy_top-1']
    assert metrics['accuracy_top-1'] == pytest.approx(during_training)


def test_resume_from_auto_continues_where_training_stopped(tmp_path):
    cfg = tiny_config(tmp_path, max_epochs=1)
    build_and_train(cfg, validate=False)
    first = torch.load(tmp_path / 'latest.pth', weights_only=True)
    cfg = tiny_config(tmp_path, max_epochs=2, resume_from='auto')
    _, runner = build_and_train(cfg, validate=False)
    assert runner.epoch == 2
    assert runner.iter == 2 * first['meta']['iter']
    assert (tmp_path / 'epoch_2.pth').is_file()


def test_load_from_starts_at_epoch_zero_with_those_weights(tmp_path):
    cfg = tiny_config(tmp_path / 'a', max_epochs=1)
    build_and_train(cfg, validate=False)
    cfg = tiny_config(tmp_path / 'b', max_epochs=1, load_from=str(tmp_path / 'a' / 'latest.pth'),
                      optimizer=dict(type='SGD', lr=0.0, momentum=0.0))
    model, runner = build_and_train(cfg, validate=False)
    assert runner.epoch == 1                  # counted from 0: one more epoch only
    loaded = torch.load(tmp_path / 'a' / 'latest.pth', weights_only=True)['state_dict']
    for key, value in model.state_dict().items():
        if key.endswith('weight') and 'bn' not in key:     # lr=0: weights stay as loaded
            torch.testing.assert_close(value.cpu(), loaded[key])


def test_config_without_runner_uses_total_epochs(tmp_path):
    cfg = tiny_config(tmp_path, max_epochs=1)
    del cfg['runner']
    cfg.total_epochs = 1
    with pytest.warns(UserWarning, match='total_epochs'):
        _, runner = build_and_train(cfg, validate=False)
    assert type(runner).__name__ == 'EpochBasedRunner' and runner.epoch == 1


def test_fp16_config_selects_the_amp_optimizer_hook():
    from cls_lab.apis.train import _optimizer_hook_cfg
    cfg = Config(dict(optimizer_config=dict(grad_clip=dict(max_norm=1.0)),
                      fp16=dict(loss_scale='dynamic')))
    assert _optimizer_hook_cfg(cfg) == dict(type='Fp16OptimizerHook',
                                            grad_clip=dict(max_norm=1.0), loss_scale='dynamic')
    assert _optimizer_hook_cfg(Config(dict())) == dict(grad_clip=None)
    cfg = Config(dict(optimizer_config=dict(type='GradientCumulativeOptimizerHook',
                                            cumulative_iters=4), fp16={}))
    assert _optimizer_hook_cfg(cfg) == dict(type='GradientCumulativeFp16OptimizerHook',
                                            cumulative_iters=4)
    cfg = Config(dict(optimizer_config=dict(type='MyOptimizerHook'), fp16={}))
    with pytest.raises(ValueError, match='MyOptimizerHook'):
        _optimizer_hook_cfg(cfg)


def _multi_gpu_worker(rank, world_size, init_file, cfg_dict, checkpoint, out):
    import torch.distributed as dist
    from cls_lab.apis import multi_gpu_test
    torch.set_num_threads(1)
    dist.init_process_group('gloo', init_method=f'file://{init_file}', rank=rank,
                            world_size=world_size)
    try:
        model = init_model(Config(cfg_dict), checkpoint, device='cpu')
        dataset = build_dataset(cfg_dict['data']['test'], dict(test_mode=True))
        dataset.data_infos = dataset.data_infos[:29]       # odd: the sampler pads a duplicate
        loader = build_dataloader(dataset, 4, 0, dist=True, shuffle=False)
        results = multi_gpu_test(model, loader)
        if rank == 0:
            torch.save([torch.from_numpy(r) for r in results], out)
        else:
            assert results is None
    finally:
        dist.destroy_process_group()


def test_multi_gpu_test_gathers_shards_in_dataset_order(trained, tmp_path):
    """Two CPU processes (gloo) each score half the images; rank 0 gets all, in order."""
    import torch.multiprocessing as mp
    cfg = trained['cfg']
    checkpoint = str(trained['work_dir'] / 'latest.pth')
    mp.spawn(_multi_gpu_worker, nprocs=2, args=(2, str(tmp_path / 'init'), cfg.to_dict(),
                                                  checkpoint, str(tmp_path / 'out.pth')))
    gathered = torch.load(tmp_path / 'out.pth', weights_only=True)
    model = init_model(cfg, checkpoint, device='cpu')
    dataset = build_dataset(cfg.data.test, dict(test_mode=True))
    dataset.data_infos = dataset.data_infos[:29]
    expected = single_gpu_test(model, build_dataloader(dataset, 4, 0, shuffle=False))
    assert len(gathered) == 29
    for got, want in zip(gathered, expected):
        np.testing.assert_allclose(got.numpy(), want, atol=1e-6)


def test_read_rgb_follows_exif_orientation_like_the_loader(tmp_path):
    from PIL import Image
    from cls_lab.apis.inference import read_rgb
    from cls_lab.datasets.pipelines.loading import decode_bgr
    exif = Image.Exif()
    exif[0x0112] = 6                      # "rotate 90° clockwise to display"
    path = tmp_path / 'rotated.jpg'
    Image.new('RGB', (8, 4), (255, 0, 0)).save(path, exif=exif)
    rgb = read_rgb(str(path))
    assert rgb.shape == (8, 4, 3) and rgb[0, 0, 0] > 200 and rgb[0, 0, 2] < 50
    np.testing.assert_array_equal(rgb, decode_bgr(path.read_bytes())[..., ::-1])


def test_init_model_names_classes_from_checkpoint_then_argument(tmp_path):
    import cls_lab
    from cls_lab.apis import init_model
    from cls_lab.engine.checkpoint import save_checkpoint
    config = str(cls_lab.ROOT / 'configs/resnet/resnet18-narrow_1xb32-coslr-4e_digits.py')
    model = init_model(config, device='cpu', classes=list('abcdefghij'))
    assert model.CLASSES == list('abcdefghij')
    save_checkpoint(model, str(tmp_path / 'named.pth'), meta=dict(CLASSES=list('0123456789')))
    again = init_model(config, str(tmp_path / 'named.pth'), device='cpu', classes=list('abcdefghij'))
    assert again.CLASSES == list('0123456789')   # the checkpoint's names win
