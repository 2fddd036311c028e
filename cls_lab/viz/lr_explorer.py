"""Play with an LR schedule: policy, warm-up and length as controls, the curve redrawn live.

The curve is not re-derived here: ``simulate_schedule`` drives the real LR (and momentum)
updater hooks against a tiny stand-in runner, so what you see is what training applies.
``LRCurveExplorer`` also prints the ``lr_config`` line to paste into a config.
"""
import ipywidgets as widgets

from cls_lab.errors import check_positive_int

from ._display import error_html, figure_to_png, format_kwargs, image_widget, new_figure, \
    parse_kwargs, pre

POLICIES = ['fixed', 'step', 'exp', 'poly', 'inv', 'CosineAnnealing', 'CosineRestart',
            'Cyclic', 'OneCycle']
WARMUPS = [None, 'constant', 'linear', 'exp']
_SHARED = ('policy', 'warmup', 'warmup_iters', 'warmup_ratio', 'warmup_by_epoch',
           'by_epoch')   # these have their own controls


def default_params(policy, epochs, base_lr):
    """Sensible policy-specific arguments for a run of ``epochs`` epochs."""
    half, rest = max(1, epochs // 2), max(1, epochs - epochs // 2)
    return {
        'fixed': {},
        'step': dict(step=[max(1, int(epochs * 0.5)), max(1, int(epochs * 0.75))], gamma=0.1),
        'exp': dict(gamma=0.9),
        'poly': dict(power=1.0, min_lr=0.0),
        'inv': dict(gamma=0.1, power=1.0),
        'CosineAnnealing': dict(min_lr=0.0),
        'CosineRestart': dict(periods=[half, rest], restart_weights=[1.0, 0.5], min_lr=0.0),
        'Cyclic': dict(target_ratio=(10, 1e-4), cyclic_times=1, step_ratio_up=0.4),
        'OneCycle': dict(max_lr=base_lr * 10, pct_start=0.3),
    }[policy]


def schedule_inputs(cfg_or_lr_config):
    """Split a whole config (a dict, a Config or a file path) or an ``lr_config`` into what
    the explorer needs."""
    from pathlib import Path

    from cls_lab.config import Config
    if isinstance(cfg_or_lr_config, (str, Path)):
        cfg_or_lr_config = Config.fromfile(str(cfg_or_lr_config))
    if not isinstance(cfg_or_lr_config, (dict, Config)):
        raise TypeError('expected a config (dict, Config or file path) or an lr_config dict '
                        f'such as dict(policy="step", step=[8, 11]), got {cfg_or_lr_config!r}')
    cfg = dict(cfg_or_lr_config)
    if 'lr_config' not in cfg:
        return dict(lr_config=cfg)
    optimizer = dict(cfg.get('optimizer') or {})
    runner = dict(cfg.get('runner') or {})
    found = dict(lr_config=dict(cfg['lr_config'] or dict(policy='fixed')),
                 momentum_config=cfg.get('momentum_config'))
    if 'lr' in optimizer:
        found['base_lr'] = optimizer['lr']
    if 'momentum' in optimizer:
        found['base_momentum'] = optimizer['momentum']
    if runner.get('max_epochs'):
        found['max_epochs'] = runner['max_epochs']
    if runner.get('max_iters'):
        found['max_iters'] = runner['max_iters']
    return found


def simulate(lr_config, base_lr=0.1, max_epochs=None, max_iters=None, iters_per_epoch=10,
             momentum_config=None, base_momentum=0.9):
    """``{'iter', 'lr', 'momentum'}`` lists as the runner will apply them (the real hooks run)."""
    from cls_lab.engine.schedule_preview import simulate_schedule
    optimizer = dict(type='SGD', lr=base_lr, momentum=base_momentum)
    return simulate_schedule(dict(lr_config), optimizer, max_epochs=max_epochs,
                             max_iters=max_iters, iters_per_epoch=iters_per_epoch,
                             momentum_config=momentum_config, base_momentum=base_momentum)


def _with(options, value):
    return options if value in options else [*options, value]


def _first(values):
    """One number per iteration (the first parameter group's)."""
    return [v[0] if isinstance(v, (list, tuple)) else v for v in values]


def draw_schedule(curve, lr_config, iters_per_epoch=None):
    """Figure: LR per iteration (left axis) and momentum (right axis, when recorded)."""
    fig = new_figure(8, 3.4)
    ax = fig.add_subplot()
    iters, lrs = list(curve['iter']), _first(curve['lr'])
    ax.plot(iters, lrs, color='tab:blue', label='lr')
    ax.set_xlabel('iteration' + (f' ({iters_per_epoch} per epoch)' if iters_per_epoch else ''))
    ax.set_ylabel('learning rate', color='tab:blue')
    ax.grid(alpha=0.3)
    momentum = curve.get('momentum')
    if momentum and any(m is not None for m in _first(momentum)):
        twin = ax.twinx()
        twin.plot(iters, _first(momentum), color='tab:orange', linestyle='--', label='momentum')
        twin.set_ylabel('momentum', color='tab:orange')
    ax.set_title('lr_config = ' + _dict_text(lr_config), fontsize=8, wrap=True)
    fig.tight_layout()
    return fig


def _dict_text(cfg):
    return f'dict({format_kwargs(cfg)})'


def plot_lr_schedule(lr_config, base_lr=None, max_epochs=None, max_iters=None, iters_per_epoch=10,
                     momentum_config=None, base_momentum=None):
    """Figure: the LR (and momentum) of every iteration for ``lr_config``, from the real hooks.

    ``lr_config`` may also be a whole config (dict or Config): then ``optimizer.lr``,
    ``runner.max_epochs`` and ``momentum_config`` come from it unless given here.
    """
    found = schedule_inputs(lr_config)

    def pick(name, value, default):
        return value if value is not None else found.get(name, default)
    max_epochs, max_iters = pick('max_epochs', max_epochs, None), pick('max_iters', max_iters, None)
    if max_epochs is None and max_iters is None:
        max_epochs = 12
    curve = simulate(found['lr_config'], pick('base_lr', base_lr, 0.1), max_epochs, max_iters,
                     iters_per_epoch, pick('momentum_config', momentum_config, None),
                     pick('base_momentum', base_momentum, 0.9))
    return draw_schedule(curve, found['lr_config'], iters_per_epoch)


class LRCurveExplorer(widgets.VBox):
    """Controls for policy, warm-up, by_epoch and length; the LR/momentum curve follows them."""

    def __init__(self, cfg_or_lr_config=None, base_lr=None, epochs=None, iters_per_epoch=10):
        super().__init__()
        if epochs is not None:
            check_positive_int(epochs, 'LRCurveExplorer epochs')
        check_positive_int(iters_per_epoch, 'LRCurveExplorer iters_per_epoch')
        found = schedule_inputs(cfg_or_lr_config or dict(policy='step', step=[6, 9]))
        lr_config = dict(found['lr_config'])
        self.momentum_config = found.get('momentum_config')
        self.base_momentum = found.get('base_momentum', 0.9)
        # an iter-based config (runner.max_iters) keeps its length; the epochs slider is then off
        self.max_iters = None if epochs or found.get('max_epochs') else found.get('max_iters')
        epochs = epochs or found.get('max_epochs') or 12
        policy = lr_config.get('policy', 'fixed')
        params = {k: v for k, v in lr_config.items() if k not in _SHARED}
        style = dict(description_width='90px')
        # a value the menus don't offer is added to them, so redraw() can show its error
        self.policy = widgets.Dropdown(options=_with(POLICIES, policy), value=policy,
                                       description='policy', style=style)
        self.params = widgets.Text(value=format_kwargs(params), description='arguments',
                                   continuous_update=False, style=style,
                                   layout=widgets.Layout(width='520px'))
        self.warmup = widgets.Dropdown(options=_with(WARMUPS, lr_config.get('warmup')),
                                       value=lr_config.get('warmup'),
                                       description='warmup', style=style)
        self.warmup_iters = widgets.IntSlider(value=lr_config.get('warmup_iters', 0), min=0,
                                              max=max(500, lr_config.get('warmup_iters', 0)),
                                              description='warmup_iters', style=style)
        self.warmup_ratio = widgets.FloatLogSlider(value=lr_config.get('warmup_ratio', 0.1),
                                                   base=10, min=-8, max=0, description='warmup_ratio',
                                                   readout_format='.4f', style=style)
        self.warmup_by_epoch = widgets.Checkbox(value=lr_config.get('warmup_by_epoch', False),
                                                description='warmup_by_epoch', indent=False,
                                                tooltip='warmup_iters counts epochs')
        self.by_epoch = widgets.Checkbox(value=lr_config.get('by_epoch', True), description='by_epoch')
        self.epochs = widgets.IntSlider(value=epochs, min=1, max=max(300, epochs),
                                        description='epochs', style=style,
                                        disabled=self.max_iters is not None)
        self.iters_per_epoch = widgets.BoundedIntText(value=iters_per_epoch, min=1, max=100000,
                                                      description='iters/epoch', style=style)
        self.base_lr = widgets.FloatText(value=base_lr or found.get('base_lr', 0.1),
                                         description='base lr', style=style)
        self.config_line = widgets.HTML()
        self.image = image_widget()
        self.figure = None
        self.curve = None
        self.policy.observe(self._policy_changed, names='value')
        for control in (self.params, self.warmup, self.warmup_iters, self.warmup_ratio,
                        self.warmup_by_epoch, self.by_epoch, self.epochs, self.iters_per_epoch, self.base_lr):
            control.observe(lambda _change: self.redraw(), names='value')
        self.add_class('cls-lab-lr-curve-explorer')
        self.children = [widgets.HBox([self.policy, self.params]),
                         widgets.HBox([self.warmup, self.warmup_iters, self.warmup_ratio,
                                       self.warmup_by_epoch]),
                         widgets.HBox([self.by_epoch, self.epochs, self.iters_per_epoch, self.base_lr]),
                         self.config_line, self.image]
        self.redraw()

    def lr_config(self):
        """The ``lr_config`` dict the controls describe."""
        cfg = dict(policy=self.policy.value, **parse_kwargs(self.params.value))
        if not self.by_epoch.value:
            cfg['by_epoch'] = False
        if self.warmup.value:
            cfg.update(warmup=self.warmup.value, warmup_iters=self.warmup_iters.value,
                       warmup_ratio=round(self.warmup_ratio.value, 6))
            if self.warmup_by_epoch.value:
                cfg['warmup_by_epoch'] = True
        return cfg

    def _policy_changed(self, change):
        by_iter = change['new'] in ('Cyclic', 'OneCycle')   # these two step every iteration
        self.params.value = format_kwargs(default_params(change['new'], self.epochs.value,
                                                         self.base_lr.value))
        if by_iter and self.by_epoch.value:
            self.by_epoch.value = False
        self.redraw()

    def redraw(self):
        """Simulate with the current controls and redraw; a bad argument shows its error."""
        try:
            lr_config = self.lr_config()
            length = dict(max_iters=self.max_iters) if self.max_iters else \
                dict(max_epochs=self.epochs.value)
            self.curve = simulate(lr_config, self.base_lr.value, **length,
                                  iters_per_epoch=self.iters_per_epoch.value,
                                  momentum_config=self.momentum_config,
                                  base_momentum=self.base_momentum)
            self.figure = draw_schedule(self.curve, lr_config, self.iters_per_epoch.value)
            self.image.value = figure_to_png(self.figure)
            self.config_line.value = pre(f'lr_config = {_dict_text(lr_config)}')
        except Exception as error:   # e.g. a missing 'step' for policy='step'
            self.config_line.value = error_html(error)
