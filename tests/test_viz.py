"""cls_lab.viz: every widget driven from Python (set a control, check the picture changed), and
every plain-function twin. Matplotlib draws off-screen (Agg)."""
import json
import logging
import os
import types

import matplotlib
matplotlib.use('Agg')

import numpy as np   # noqa: E402
import pytest        # noqa: E402
import torch         # noqa: E402
import torchvision   # noqa: E402

import cls_lab       # noqa: E402
from cls_lab import viz   # noqa: E402
from cls_lab.registry import HOOKS   # noqa: E402

ROOT = cls_lab.ROOT


def panel_titles(fig):
    return [ax.get_title() for ax in fig.axes]


# ----------------------------------------------------------------- feature maps

@pytest.fixture(scope='module')
def resnet():
    torch.manual_seed(0)
    net = torchvision.models.resnet18(weights=None, num_classes=3)
    net.CLASSES = ['cat', 'dog', 'bird']
    return net


@pytest.fixture(scope='module')
def image():
    return np.random.default_rng(0).integers(0, 256, (32, 32, 3), dtype=np.uint8)


def test_feature_map_viewer_controls(resnet, image):
    viewer = viz.FeatureMapViewer(resnet, image, layer='layer1.0.conv1', channels=8)
    assert len(viewer.figure.axes) == 1 + 8          # input panel + one per channel
    assert 'layer1.0.conv1' in viewer.layer.value and viewer.image.value
    first_png = viewer.image.value
    viewer.channels.value = 4
    assert len(viewer.figure.axes) == 1 + 4 and viewer.image.value != first_png
    viewer.layer.value = 'layer2.0.conv1'
    assert 'layer2.0.conv1: 128 channels' in viewer.figure._suptitle.get_text()
    assert 'layer2.0.conv1: output (128, 4, 4)' in viewer.info.value
    viewer.start.value = 10
    assert panel_titles(viewer.figure)[1:] == ['ch 10', 'ch 11', 'ch 12', 'ch 13']
    viewer.order.value = 'strongest'
    fmap = viewer._cache['layer2.0.conv1']
    strongest = fmap.abs().mean(dim=(1, 2)).argsort(descending=True)[:4].tolist()
    assert panel_titles(viewer.figure)[1:] == [f'ch {c}' for c in strongest]
    # the classifier's top classes are shown, in probability order
    names = [line.split(':')[0] for line in panel_titles(viewer.figure)[0].splitlines()[1:]]
    assert sorted(names) == ['bird', 'cat', 'dog']
    assert 'top predictions' in viewer.info.value
    # only 4-D outputs are offered, in execution order
    layers = [value for _label, value in viewer.layer.options]
    assert layers[0] == 'conv1' and 'fc' not in layers and 'avgpool' in layers
    # the starting order can be given, as for plot_feature_maps
    ordered = viz.FeatureMapViewer(resnet, image, layer='layer2.0.conv1', channels=4, order='strongest')
    assert panel_titles(ordered.figure)[1:] == [f'ch {c}' for c in strongest]


def test_plot_feature_maps_shows_the_layer_output(resnet, image):
    x, _shown = viz.feature_maps.prepare_input(resnet, image)
    resnet.eval()
    with torch.no_grad():
        expected = resnet.relu(resnet.bn1(resnet.conv1(x)))[0]
    fig = viz.plot_feature_maps(resnet, image, 'relu', channels=[5, 2])
    assert panel_titles(fig)[1:] == ['ch 5', 'ch 2']
    np.testing.assert_allclose(fig.axes[1].images[0].get_array(), expected[5].numpy(), rtol=1e-5,
                               atol=1e-6)
    # BGR array in, RGB picture shown
    np.testing.assert_array_equal(fig.axes[0].images[0].get_array(), image[..., ::-1])


def test_feature_maps_error_names_the_layer(resnet, image):
    with pytest.raises(KeyError, match="'layer9' is not a layer of ResNet"):
        viz.plot_feature_maps(resnet, image, 'layer9')
    viewer = viz.FeatureMapViewer(resnet, torch.rand(1, 3, 32, 32), layer='conv1')
    assert viewer.predictions and len(viewer.figure.axes) == 17


# ------------------------------------------------------------- training curves

class FakeRunner:
    """Just the runner attributes LiveTrainingPlotHook reads."""

    def __init__(self, work_dir):
        self.iter, self.epoch, self.inner_iter = 0, 0, 0
        self.work_dir = str(work_dir)
        self.logger = logging.getLogger('test_viz')
        self.outputs = None
        self.log_buffer = types.SimpleNamespace(output={})
        self.lr = 0.1

    def current_lr(self):
        return [self.lr]


def train_two_epochs(hook, runner, log_vars, val_results=None):
    """Drive ``hook`` through 2 epochs of 10 iterations; ``log_vars(epoch, iter)`` per step."""
    hook.before_run(runner)
    for epoch in range(2):
        runner.epoch = epoch
        for inner in range(10):
            runner.inner_iter = inner
            runner.lr = 0.1 * 0.5 ** epoch
            runner.outputs = dict(log_vars=log_vars(epoch, runner.iter), num_samples=4)
            hook.after_train_iter(runner)
            runner.iter += 1
        if val_results is not None:
            runner.log_buffer.output = val_results(epoch)
        hook.after_train_epoch(runner)
    hook.after_run(runner)


def test_live_training_plot_hook_records_and_redraws(tmp_path):
    assert HOOKS.get('LiveTrainingPlotHook') is viz.LiveTrainingPlotHook
    hook = HOOKS.build(dict(type='LiveTrainingPlotHook', interval=5, min_seconds=0))
    train_two_epochs(hook, FakeRunner(tmp_path),
                     lambda epoch, it: {'loss': 2.0 - 0.05 * it, 'top-1': 10.0 * epoch},
                     lambda epoch: {'accuracy_top-1': 50.0 + epoch})
    xs, ys = hook.curves.series['loss']
    assert xs == list(range(1, 21)) and ys[0] == 2.0 and ys[-1] == pytest.approx(1.05)
    assert hook.curves.series['lr'][1][9:11] == [0.1, 0.05]
    assert hook.curves.series['val accuracy_top-1'] == ([10, 20], [50.0, 51.0])
    assert hook.draws == 4 + 2 + 1      # every 5 iters, after each epoch, at the end
    loss_ax, acc_ax, lr_ax = hook.figure.axes
    assert [line.get_label() for line in acc_ax.lines] == ['top-1', 'val accuracy_top-1']
    np.testing.assert_allclose(loss_ax.lines[0].get_ydata(), ys)
    assert (tmp_path / 'live_training.png').stat().st_size > 1000
    assert bytes(hook.image.value).startswith(b'\x89PNG')


def test_live_training_plot_hook_limits_iteration_redraws_in_time(tmp_path):
    """Fast iterations are not held up by drawing: with min_seconds=1 h only the first
    iteration redraw, the epoch ends and the end of the run draw."""
    hook = viz.LiveTrainingPlotHook(interval=1, out_file=None, min_seconds=3600)
    train_two_epochs(hook, FakeRunner(tmp_path), lambda epoch, it: {'loss': 1.0})
    assert hook.draws == 1 + 2 + 1
    assert hook.curves.series['loss'][0] == list(range(1, 21))   # every iteration recorded


def test_live_training_plot_hook_averages_val_iters(tmp_path):
    hook = viz.LiveTrainingPlotHook(interval=100, out_file=None)
    runner = FakeRunner(tmp_path)
    hook.before_run(runner)
    hook.before_val_epoch(runner)
    for loss, n in ((1.0, 3), (2.0, 1)):
        runner.outputs = dict(log_vars={'loss': loss}, num_samples=n)
        hook.after_val_iter(runner)
    hook.after_val_epoch(runner)
    assert hook.curves.series['val loss'][1] == [pytest.approx(1.25)]
    hook.after_run(runner)
    assert not (tmp_path / 'live_training.png').exists()
    with pytest.raises(ValueError, match='interval'):
        viz.LiveTrainingPlotHook(interval=0)


def write_log(path, lines):
    path.write_text('\n'.join(json.dumps(line) for line in lines) + '\n')
    return path


def test_plot_training_log_reads_text_logger_json(tmp_path):
    lines = [{'env_info': 'x', 'seed': 0}]
    for epoch in (1, 2):
        for it in (5, 10):
            lines.append(dict(mode='train', epoch=epoch, iter=it, lr=0.1 / epoch, time=0.1,
                              loss=1.0 / (epoch * it)))
        lines.append({'mode': 'val', 'epoch': epoch, 'iter': 3, 'lr': 0.1 / epoch,
                      'accuracy_top-1': 40.0 * epoch})
    log = write_log(tmp_path / 'log.json', lines)
    fig = viz.plot_training_log(log)
    loss_ax, acc_ax, lr_ax = fig.axes[:3]
    np.testing.assert_allclose(loss_ax.lines[0].get_xdata(), [0.5, 1.0, 1.5, 2.0])
    np.testing.assert_allclose(loss_ax.lines[0].get_ydata(), [0.2, 0.1, 0.1, 0.05])
    np.testing.assert_allclose(acc_ax.lines[0].get_ydata(), [40.0, 80.0])
    np.testing.assert_allclose(lr_ax.lines[0].get_ydata(), [0.1, 0.1, 0.05, 0.05])
    assert loss_ax.get_xlabel() == 'epoch'
    write_log(log, [dict(mode='train', iter=i, lr=0.1, loss=1.0) for i in (10, 20, 30)])
    assert viz.plot_training_log(log).axes[0].get_xlabel() == 'iteration'
    log.write_text('{"mode": "train", "iter": 1, "loss": 1}\n{oops\n')
    with pytest.raises(ValueError, match='log.json, line 2: not JSON'):
        viz.plot_training_log(log)


# ---------------------------------------------------------------- config editor

@pytest.fixture
def config_files(tmp_path):
    base = tmp_path / '_base_'
    base.mkdir()
    (base / 'model.py').write_text(
        "model = dict(type='ImageClassifier', backbone=dict(type='ResNet', depth=50),\n"
        "             head=dict(num_classes=1000))\n")
    (base / 'runtime.py').write_text("runner = dict(type='EpochBasedRunner', max_epochs=100)\n")
    (base / 'schedule.py').write_text("_base_ = './runtime.py'\nlr_config = dict(policy='step', step=[30])\n")
    child = tmp_path / 'child.py'
    child.write_text("_base_ = ['./_base_/model.py', './_base_/schedule.py']\n"
                     "model = dict(backbone=dict(depth=18))\n"
                     "runner = dict(max_epochs=5)\n")
    return child


def test_config_tree_and_diff(config_files):
    tree = viz.config_tree(config_files).splitlines()
    assert tree[0].endswith('child.py   sets: model, runner')
    assert tree[1].startswith('├── ') and tree[1].endswith('model.py   sets: model')
    assert tree[2].startswith('└── ') and 'schedule.py' in tree[2]
    assert tree[3].startswith('    └── ') and tree[3].endswith('runtime.py   sets: runner')
    diff = viz.config_diff(config_files.read_text(), str(config_files))
    assert "-    backbone=dict(type='ResNet', depth=50)," in diff
    assert "+    backbone=dict(type='ResNet', depth=18)," in diff
    assert "+runner = dict(type='EpochBasedRunner', max_epochs=5)" in diff
    assert not any(line.startswith(('-lr_config', '+lr_config')) for line in diff.splitlines())
    fig = viz.plot_config_tree(config_files)
    boxes = [t.get_text().split('\n')[0] for t in fig.axes[0].texts if t.get_text()]
    assert sorted(boxes) == ['child.py', 'model.py', 'runtime.py', 'schedule.py']


def test_config_editor_edit_error_and_recovery(config_files):
    editor = viz.ConfigEditor(str(config_files))
    assert editor.error is None and editor.cfg.model.backbone.depth == 18
    assert 'depth=18' in editor.merged.value and 'max_epochs=5' in editor.merged.value
    assert 'schedule.py' in editor.tree.value and 'runtime.py' in editor.tree.value
    assert 'child.py (edited)   sets: model, runner' in editor.tree.value
    assert bytes(editor.tree_image.value).startswith(b'\x89PNG')
    editor.key.value = 'model.backbone.depth'
    assert 'child.py (edited), line 2' in editor.explained.value and 'model.py, line 1' in editor.explained.value
    # a broken edit: the error names the edited file and line, the last good views stay
    good_merged = editor.merged.value
    editor.editor.value = editor.editor.value.replace('depth=18)', 'depth=18,,)')
    assert editor.error is not None and 'SyntaxError' in editor.status.value
    assert 'child.py (edited), line 2' in editor.status.value
    assert editor.merged.value == good_merged
    # fixing it brings everything back, with the new value
    editor.editor.value = editor.editor.value.replace('depth=18,,)', 'depth=34)')
    assert editor.error is None and 'loaded' in editor.status.value
    assert 'depth=34' in editor.merged.value and "+    backbone=dict(type='ResNet', depth=34)," in \
        editor.diff.value.replace('&#x27;', "'")
    assert 'model.backbone.depth = 34' in editor.explained.value
    # a missing base file and an unknown key are errors too, never a crash
    editor.editor.value = editor.editor.value.replace('schedule.py', 'missing.py')
    assert 'FileNotFoundError' in editor.status.value and 'missing.py' in editor.status.value
    editor.editor.value = editor.editor.value.replace('missing.py', 'schedule.py')
    editor.key.value = 'model.neck'
    assert 'neck' in editor.explained.value and editor.error is None
    # the key chooser offers every dotted key of the merged config
    assert {'runner.max_epochs', 'lr_config.step', 'model.head.num_classes'} <= set(editor.key.options)


def test_config_editor_from_config_object(config_files):
    cfg = viz.config_editor.Config.fromfile(str(config_files))
    editor = viz.ConfigEditor(cfg)
    assert editor.filename == str(config_files) and editor.cfg.runner.max_epochs == 5


def test_config_editor_builds_and_shows_registry_errors(tmp_path):
    from cls_lab.registry import MODELS
    path = tmp_path / 'model.py'
    path.write_text("model = dict(type='ResNet_CIFAR', depth=18, base_channels=8)\n")
    editor = viz.ConfigEditor(str(path), build=lambda cfg: MODELS.build(cfg.model))
    assert type(editor.built).__name__ == 'ResNet_CIFAR' and editor.tabs.titles[0] == 'built'
    assert 'ResNet_CIFAR(' in editor.built_view.value
    # a misspelt type loads as a config but fails to build: the suggestion is shown
    editor.editor.value = editor.editor.value.replace('ResNet_CIFAR', 'Resnet_CIFAR')
    assert editor.built is None and isinstance(editor.error, KeyError)
    assert 'building failed' in editor.status.value and 'ResNet_CIFAR' in editor.built_view.value
    assert 'Resnet_CIFAR' in editor.merged.value   # the config itself did load
    # a bad argument is the constructor's TypeError, named as such
    editor.editor.value = "model = dict(type='ResNet_CIFAR', depht=18)\n"
    assert isinstance(editor.error, TypeError) and 'depht' in editor.built_view.value
    editor.editor.value = "model = dict(type='ResNet_CIFAR', depth=18, base_channels=4)\n"
    assert editor.error is None and editor.built.base_channels == 4
    assert viz.ConfigEditor(str(path)).tabs.titles[0] == 'merged'   # no build: no tab


# ------------------------------------------------------------------ LR curves

def lr_line(fig):
    return np.asarray(fig.axes[0].lines[0].get_ydata())


def test_plot_lr_schedule_matches_the_real_hooks():
    from cls_lab.engine.schedule_preview import simulate_schedule
    lr_config = dict(policy='step', step=[2], gamma=0.1)
    fig = viz.plot_lr_schedule(lr_config, base_lr=0.1, max_epochs=4, iters_per_epoch=5)
    np.testing.assert_allclose(lr_line(fig), [0.1] * 10 + [0.01] * 10)
    curve = simulate_schedule(lr_config, dict(type='SGD', lr=0.1, momentum=0.9), max_epochs=4,
                              iters_per_epoch=5)
    np.testing.assert_allclose(lr_line(fig), curve['lr'])
    momentum_axis = fig.axes[1]
    np.testing.assert_allclose(momentum_axis.lines[0].get_ydata(), [0.9] * 20)
    # a whole config: optimizer.lr and runner.max_epochs are read from it
    cfg = dict(lr_config=dict(policy='CosineAnnealing', min_lr=0.0), optimizer=dict(lr=0.5),
               runner=dict(type='EpochBasedRunner', max_epochs=3))
    ys = lr_line(viz.plot_lr_schedule(cfg, iters_per_epoch=2))
    assert len(ys) == 6 and ys[0] == pytest.approx(0.5) and np.all(np.diff(ys) <= 0)


def test_lr_curve_explorer_keeps_warmup_by_epoch_across_policies():
    """warmup_by_epoch belongs to the warmup controls: changing the policy keeps it."""
    cfg = dict(optimizer=dict(lr=0.1), runner=dict(max_epochs=4),
               lr_config=dict(policy='CosineAnnealing', min_lr=0.0, warmup='constant',
                              warmup_iters=1, warmup_ratio=0.5, warmup_by_epoch=True))
    explorer = viz.LRCurveExplorer(cfg, iters_per_epoch=5)
    assert explorer.warmup_by_epoch.value and 'warmup_by_epoch' not in explorer.params.value
    explorer.policy.value = 'step'
    explorer.params.value = 'step=[3]'
    assert explorer.lr_config()['warmup_by_epoch'] is True
    ys = lr_line(explorer.figure)   # a whole first epoch (5 iterations) at half the lr
    np.testing.assert_allclose(ys, [0.05] * 5 + [0.1] * 10 + [0.01] * 5)
    explorer.warmup_by_epoch.value = False   # now warmup_iters=1 counts one iteration
    np.testing.assert_allclose(lr_line(explorer.figure)[:2], [0.05, 0.1])


def test_lr_curve_explorer_controls():
    explorer = viz.LRCurveExplorer(dict(policy='step', step=[6, 9]), base_lr=0.1, epochs=12,
                                   iters_per_epoch=4)
    assert len(lr_line(explorer.figure)) == 48
    assert "lr_config = dict(policy='step', step=[6, 9])" in explorer.config_line.value.replace('&#x27;', "'")
    explorer.warmup.value = 'linear'
    explorer.warmup_iters.value = 10
    before = lr_line(explorer.figure)
    assert before[0] < before[10] == pytest.approx(0.1)
    explorer.warmup_ratio.value = 0.5
    after = lr_line(explorer.figure)
    assert after[0] != before[0] and after[0] == pytest.approx(0.05)
    np.testing.assert_allclose(after[10:], before[10:])
    # by_epoch=False: the step milestones count iterations, so the drop comes at iter 6
    explorer.warmup.value = None
    explorer.by_epoch.value = False
    ys = lr_line(explorer.figure)
    assert ys[5] == pytest.approx(0.1) and ys[6] == pytest.approx(0.01)
    # a new policy fills in its own arguments
    explorer.by_epoch.value = True
    explorer.policy.value = 'CosineAnnealing'
    assert explorer.params.value == 'min_lr=0.0'
    ys = lr_line(explorer.figure)
    assert np.all(np.diff(ys) <= 1e-12) and ys[-1] < 0.01
    explorer.epochs.value = 3
    assert len(lr_line(explorer.figure)) == 12
    # a bad argument shows an error; the last good curve stays; fixing it redraws
    good = lr_line(explorer.figure)
    explorer.params.value = 'min_lr='
    assert 'ValueError' in explorer.config_line.value
    np.testing.assert_allclose(lr_line(explorer.figure), good)
    explorer.params.value = 'min_lr=0.05'
    assert lr_line(explorer.figure)[-1] >= 0.05 - 1e-9
    explorer.policy.value = 'OneCycle'
    assert explorer.by_epoch.value is False and 'max_lr=1.0' in explorer.params.value
    assert max(lr_line(explorer.figure)) == pytest.approx(1.0, rel=0.05)


# ------------------------------------------------------------- pipeline viewer

NORM = dict(type='Normalize', mean=[123.675, 116.28, 103.53], std=[58.395, 57.12, 57.375], to_rgb=True)


@pytest.fixture
def red_left_image(tmp_path):
    from PIL import Image
    rgb = np.zeros((30, 40, 3), np.uint8)
    rgb[:, :20, 0] = 255          # left half red, right half black
    path = tmp_path / 'red_left.png'
    Image.fromarray(rgb).save(path)
    return str(path)


def pipeline(flip_prob=0.5):
    return [dict(type='LoadImageFromFile'), dict(type='Resize', size=(20, 20)),
            dict(type='RandomFlip', flip_prob=flip_prob), NORM,
            dict(type='ImageToTensor', keys=['img']), dict(type='Collect', keys=['img'])]


def panel_picture(fig, i):
    return np.asarray(fig.axes[i].images[0].get_array())


def test_plot_pipeline_one_panel_per_step_in_rgb(red_left_image):
    fig = viz.plot_pipeline(pipeline(flip_prob=0.0), red_left_image, seed=0)
    assert len(fig.axes) == 6
    assert [t.split('\n')[0] for t in panel_titles(fig)] == [
        '1. LoadImageFromFile', '2. Resize', '3. RandomFlip', '4. Normalize', '5. ImageToTensor',
        '6. Collect']
    loaded = panel_picture(fig, 0)
    assert loaded.shape == (30, 40, 3) and tuple(loaded[5, 5]) == (255, 0, 0)   # red, not blue
    resized = panel_picture(fig, 1)
    assert resized.shape == (20, 20, 3)
    # the normalised tensor is shown de-normalised: the same picture again
    np.testing.assert_allclose(panel_picture(fig, 5).astype(int), resized.astype(int), atol=1)
    # the loader already adds img_norm_cfg (mean 0, std 1), as mmcls: Normalize changes it
    assert '~img_norm_cfg' in fig.axes[3].get_xlabel() and '-img_info' in fig.axes[5].get_xlabel()


def test_plot_pipeline_seed_repeats_random_steps(red_left_image):
    def flipped(seed):
        fig = viz.plot_pipeline(pipeline()[:3], red_left_image, seed=seed)
        return bool(panel_picture(fig, 2)[5, 15, 0] < 128)   # left half no longer red
    runs = [flipped(seed) for seed in range(12)]
    assert runs == [flipped(seed) for seed in range(12)]
    assert any(runs) and not all(runs)


def test_pipeline_viewer_controls(red_left_image, tmp_path):
    viewer = viz.PipelineViewer(pipeline(), [red_left_image, red_left_image], seed=0)
    assert len(viewer.figure.axes) == len(viewer.steps) == 6
    viewer.arguments[1].value = 'size=(12, 16)'
    assert panel_picture(viewer.figure, 1).shape == (12, 16, 3)
    assert 'tensor (3, 12, 16)' in panel_titles(viewer.figure)[4]
    viewer.enabled[2].value = False      # switch RandomFlip off
    assert len(viewer.figure.axes) == 5
    viewer.enabled[2].value = True
    # re-sample: a new seed each click, and the random flip does change
    seen = set()
    for _ in range(8):
        viewer.resample.click()
        seen.add(bool(panel_picture(viewer.figure, 2)[5, 3, 0] < 128))
    assert viewer.seed == 8 and seen == {True, False}
    # a broken argument: error shown, last picture kept; fixing it works again
    good = viewer.figure
    viewer.arguments[1].value = 'size=(12, 16'
    assert 'cannot parse' in viewer.status.value and viewer.figure is good
    viewer.arguments[1].value = 'sise=12'
    assert 'step 2 Resize' in viewer.status.value and 'sise' in viewer.status.value
    viewer.arguments[1].value = 'size=(10, 10)'
    assert panel_picture(viewer.figure, 1).shape == (10, 10, 3) and 'seed 8' in viewer.status.value
    viewer.index.value = 1
    assert 'sample 1' in viewer.status.value
    # an image array (BGR, as loaded) goes through LoadImageFromArray, one panel per step
    bgr = np.zeros((8, 8, 3), np.uint8)
    bgr[..., 2] = 255   # red in BGR
    array_viewer = viz.PipelineViewer(pipeline(flip_prob=0.0), [bgr])
    assert len(array_viewer.figure.axes) == 6 and 'LoadImageFromArray' in panel_titles(array_viewer.figure)[0]
    assert tuple(panel_picture(array_viewer.figure, 0)[0, 0]) == (255, 0, 0)


def test_live_training_plot_hook_in_a_real_runner(tmp_path):
    """From custom_hooks it keeps its own priority (80, after EvalHook), and log.json plots."""
    from cls_lab.engine import EpochBasedRunner, Hook

    class TinyModel(torch.nn.Module):
        def __init__(self):
            super().__init__()
            self.fc = torch.nn.Linear(4, 2)

        def train_step(self, batch, optimizer=None):
            logits = self.fc(batch['img'])
            loss = torch.nn.functional.cross_entropy(logits, batch['gt_label'])
            acc = (logits.argmax(1) == batch['gt_label']).float().mean().item() * 100
            return dict(loss=loss, log_vars={'loss': loss.item(), 'top-1': acc}, num_samples=4)

        val_step = train_step

    class FakeEvalHook(Hook):   # what EvalHook does: metrics into the buffer at LOW priority
        def after_train_epoch(self, runner):
            runner.log_buffer.output['accuracy_top-1'] = 10.0 * (runner.epoch + 1)
            runner.log_buffer.ready = True

    torch.manual_seed(0)
    model = TinyModel()
    loader = [dict(img=torch.randn(4, 4), gt_label=torch.randint(0, 2, (4,))) for _ in range(6)]
    runner = EpochBasedRunner(model, torch.optim.SGD(model.parameters(), lr=0.1),
                              work_dir=str(tmp_path), logger=logging.getLogger('test_viz'),
                              max_epochs=2, device='cpu')
    runner.register_training_hooks(dict(policy='step', step=[1]), dict(grad_clip=None),
                                   log_config=dict(interval=3, hooks=[dict(type='TextLoggerHook')]),
                                   custom_hooks_config=[dict(type='LiveTrainingPlotHook', interval=4)])
    runner.register_hook(FakeEvalHook(), 'LOW')
    runner.run([loader], [('train', 1)])
    hook = next(h for h in runner.hooks if isinstance(h, viz.LiveTrainingPlotHook))
    assert hook.priority == 80
    assert hook.curves.series['val accuracy_top-1'] == ([6, 12], [10.0, 20.0])
    assert hook.curves.series['lr'][1] == [0.1] * 6 + [pytest.approx(0.01)] * 6
    assert len(hook.curves.series['loss'][0]) == 12 and (tmp_path / 'live_training.png').exists()
    log_json = next(tmp_path.glob('*.log.json'))
    fig = viz.plot_training_log(log_json)
    assert len(fig.axes[0].lines[0].get_xdata()) == 4       # every 3 of 6 iters, 2 epochs
    np.testing.assert_allclose(fig.axes[1].lines[-1].get_ydata(), [10.0, 20.0])
    np.testing.assert_allclose(fig.axes[2].lines[0].get_ydata(), [0.1, 0.1, 0.01, 0.01])


def test_pipeline_viewer_on_a_dataset():
    from cls_lab.config import Config
    from cls_lab.datasets import build_dataset
    cfg = Config.fromfile(str(ROOT / 'configs/_base_/datasets/digits_bs32.py'))
    cfg.data.train.data_prefix = str(ROOT / cfg.data.train.data_prefix)
    dataset = build_dataset(cfg.data.train)
    viewer = viz.PipelineViewer(cfg, dataset)     # a whole config: its data.train.pipeline
    assert len(viewer.figure.axes) == len(cfg.data.train.pipeline)
    assert viewer.index.max == len(dataset) - 1
    label = int(dataset.data_infos[0]['gt_label'])
    assert f'gt_label {label}: {dataset.CLASSES[label]}' in viewer.status.value
    viewer.index.value = len(dataset) - 1
    label = int(dataset.data_infos[-1]['gt_label'])
    assert f'sample {len(dataset) - 1} (gt_label {label}' in viewer.status.value
    assert 'tensor (3, 32, 32)' in panel_titles(viewer.figure)[-1]


# ------------------------------------------------------------- import isolation

def test_only_viz_needs_jupyter():
    """``import cls_lab`` works without ipywidgets; nothing outside cls_lab/viz imports it or viz."""
    import subprocess
    import sys
    code = ("import sys; sys.modules['ipywidgets'] = None\n"
            "import cls_lab, cls_lab.config, cls_lab.registry\n"
            "assert 'cls_lab.viz' not in sys.modules, 'cls_lab imported cls_lab.viz'\n")
    subprocess.run([sys.executable, '-c', code], check=True, cwd=str(ROOT),
                   env=dict(os.environ, PYTHONPATH=str(ROOT)))
    package = ROOT / 'cls_lab'
    for path in package.rglob('*.py'):
        if path.is_relative_to(package / 'viz'):
            continue
        text = path.read_text(encoding='utf-8')
        for banned in ('import ipywidgets', 'from ipywidgets', 'cls_lab.viz', 'from .viz', 'from ..viz'):
            assert banned not in text, f'{path.relative_to(ROOT)} has "{banned}": only cls_lab.viz may'


SCHEDULES = sorted((ROOT / 'configs' / '_base_' / 'schedules').glob('*.py'))


@pytest.mark.parametrize('path', SCHEDULES, ids=lambda p: p.name)
def test_every_shipped_schedule_previews_as_configured(path):
    """The explorer's controls round-trip each shipped schedule: same curve as the config itself."""
    from cls_lab.config import Config
    from cls_lab.engine.schedule_preview import simulate_schedule
    cfg = Config.fromfile(str(path))
    epochs = min(cfg.runner.get('max_epochs') or 12, 40)
    expected = simulate_schedule(cfg.lr_config, cfg.optimizer, max_epochs=epochs, iters_per_epoch=3,
                                 momentum_config=cfg.get('momentum_config'))['lr']
    fig = viz.plot_lr_schedule(cfg, max_epochs=epochs, iters_per_epoch=3)
    np.testing.assert_allclose(lr_line(fig), expected)
    explorer = viz.LRCurveExplorer(cfg, epochs=epochs, iters_per_epoch=3)
    assert 'Error' not in explorer.config_line.value, explorer.config_line.value
    np.testing.assert_allclose(lr_line(explorer.figure), expected)


def test_plot_pipeline_multiview_shows_the_first_view(red_left_image):
    views = [[dict(type='RandomFlip', flip_prob=0.0), NORM, dict(type='ImageToTensor', keys=['img'])]]
    steps = [dict(type='LoadImageFromFile'), dict(type='MultiView', pipelines=views, num_views=2),
             dict(type='Collect', keys=['img'])]
    fig = viz.plot_pipeline(steps, red_left_image, seed=0)
    assert '2 views of tensor (3, 30, 40)' in panel_titles(fig)[1]
    shown = panel_picture(fig, 1)    # de-normalised with the Normalize found inside MultiView
    assert tuple(shown[5, 5]) == (255, 0, 0) and shown[5, 35].max() <= 1


def test_to_display_image_conversions():
    from cls_lab.viz._display import parse_kwargs, to_display_image
    bgr = np.zeros((2, 2, 3), np.uint8)
    bgr[..., 0] = 200                                     # blue in BGR
    assert tuple(to_display_image(bgr, rgb=False)[0, 0]) == (0, 0, 200)
    chw = torch.tensor([[[-1.0]], [[0.0]], [[1.0]]])      # normalised, stats unknown
    assert tuple(to_display_image(chw)[0, 0]) == (0, 128, 255)
    restored = to_display_image(chw, mean=[100, 100, 100], std=[10, 10, 10])
    assert tuple(restored[0, 0]) == (90, 100, 110)
    assert tuple(to_display_image(np.full((1, 1, 3), 0.5, np.float32))[0, 0]) == (128, 128, 128)
    assert parse_kwargs("size=(12, 16), mode='x', flag=True") == dict(size=(12, 16), mode='x', flag=True)
    with pytest.raises(ValueError, match='only literal values'):
        parse_kwargs('size=open("f")')
    with pytest.raises(ValueError, match='keyword arguments only'):
        parse_kwargs('12')


def test_live_training_plot_hook_sees_iter_based_evaluation(tmp_path):
    hook = viz.LiveTrainingPlotHook(interval=100, out_file=None)
    runner = FakeRunner(tmp_path)
    hook.before_run(runner)
    for step in range(12):
        runner.iter = step
        runner.outputs = dict(log_vars={'loss': 1.0}, num_samples=2)
        if step in (4, 9):      # EvalHook(by_epoch=False, interval=5) ran just before us
            runner.log_buffer.output = {'accuracy_top-1': float(step)}
        hook.after_train_iter(runner)
        if step in (5, 10):     # the logger printed and cleared the buffer
            runner.log_buffer.output = {}
    assert hook.curves.series['val accuracy_top-1'] == ([5, 10], [4.0, 9.0])
    assert hook.draws == 2      # each evaluation redraws at once


def test_feature_map_viewer_on_a_kit_classifier():
    """init_model's model: its cfg's test pipeline prepares the image, its CLASSES name the top-3."""
    from PIL import Image
    from cls_lab.apis import init_model
    config = ROOT / 'configs/resnet/resnet18-narrow_1xb32-coslr-4e_digits.py'
    with pytest.warns(UserWarning, match='no class names'):
        model = init_model(str(config), device='cpu')
    path = sorted((ROOT / 'data_samples/digits/val').rglob('*.png'))[0]
    viewer = viz.FeatureMapViewer(model, str(path), layer='backbone.layer1.0.conv1', channels=4)
    assert 'backbone.layer1.0.conv1: output (16, 32, 32)' in viewer.info.value
    names = [line.split(':')[0] for line in panel_titles(viewer.figure)[0].splitlines()[1:]]
    assert len(names) == 3 and set(names) <= set(model.CLASSES)
    with Image.open(path) as img:   # shown de-normalised: the digit as it is on disk
        expected = np.asarray(img.convert('RGB')).astype(int)
    np.testing.assert_allclose(viewer.figure.axes[0].images[0].get_array().astype(int), expected, atol=1)
    layers = [value for _label, value in viewer.layer.options]
    assert layers[0] == 'backbone.conv1' and 'head.fc' not in layers


@pytest.mark.skipif(not torch.cuda.is_available(), reason='needs CUDA')
def test_feature_map_viewer_with_a_model_on_cuda(resnet, image):
    """The image is prepared on the CPU; the viewer moves it to the model's device."""
    import copy
    viewer = viz.FeatureMapViewer(copy.deepcopy(resnet).cuda(), image, layer="layer1", channels=4)
    assert 'layer1: output' in viewer.info.value and len(viewer.figure.axes) >= 5


def test_feature_map_viewer_with_a_pipeline_that_starts_in_memory():
    """CIFAR-style test pipelines have no LoadImageFromFile: arrays and paths both work."""
    import copy
    from cls_lab.apis import init_model
    config = ROOT / 'configs/resnet/resnet18-narrow_1xb32-coslr-4e_digits.py'
    with pytest.warns(UserWarning, match='no class names'):
        model = init_model(str(config), device='cpu')
    model.cfg = copy.deepcopy(model.cfg)
    model.cfg.data.test.pipeline = model.cfg.data.test.pipeline[1:]   # no LoadImageFromFile
    path = sorted((ROOT / 'data_samples/digits/val').rglob('*.png'))[0]
    for img in (str(path), np.zeros((32, 32, 3), dtype=np.uint8)):
        viewer = viz.FeatureMapViewer(model, img, layer='backbone.layer1', channels=2)
        assert 'backbone.layer1: output (16, 32, 32)' in viewer.info.value


def test_lr_curve_explorer_keeps_an_iter_based_length():
    cfg = dict(optimizer=dict(lr=0.1), runner=dict(type='IterBasedRunner', max_iters=30),
               lr_config=dict(policy='step', step=[10, 20], by_epoch=False))
    explorer = viz.LRCurveExplorer(cfg, iters_per_epoch=7)
    assert explorer.epochs.disabled
    np.testing.assert_allclose(lr_line(explorer.figure), [0.1] * 10 + [0.01] * 10 + [0.001] * 10)
    np.testing.assert_allclose(lr_line(viz.plot_lr_schedule(cfg, iters_per_epoch=7)),
                               lr_line(explorer.figure))
