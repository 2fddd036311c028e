"""Learning-rate and momentum schedules as pure functions of the iteration (or epoch).

Each function (and ``CyclicSchedule``, a cycle's checked arguments) answers "what is the value at step ``t``?" and touches no optimizer, so
you can plot a schedule without training (nanoGPT's ``get_lr(it)`` idea). The hook
classes in ``cls_lab/engine/hooks/lr_updater.py`` and ``momentum_updater.py`` call these
functions at the points of the training loop where mmcv 1.x does;
``cls_lab/engine/schedule_preview.py`` drives those real hooks on a fake runner to preview
a config exactly as training runs it. This file imports nothing from the engine.

    step_lr(0.1, epoch, step=[30, 60, 90])                 # 0.1, then 0.01 at epoch 30 ...
"""
import math

__all__ = ['annealing_cos', 'annealing_linear', 'ANNEALERS', 'warmup_factor', 'step_lr',
           'exp_lr', 'poly_lr', 'inv_lr', 'min_value', 'cosine_annealing_lr',
           'flat_cosine_annealing_lr', 'cosine_cooldown_lr', 'linear_annealing_lr', 'cosine_restart_lr',
           'normalize_target_ratio', 'cyclic_lr', 'CyclicSchedule', 'one_cycle_lr',
           'one_cycle_momentum']


# --- the two ways to travel from one value to another -------------------------------------

def annealing_cos(start, end, factor, weight=1.0):
    """Half a cosine from ``weight*start + (1-weight)*end`` (factor 0) down to ``end`` (factor 1)."""
    return end + 0.5 * weight * (start - end) * (math.cos(math.pi * factor) + 1)


def annealing_linear(start, end, factor):
    """A straight line from ``start`` (factor 0) to ``end`` (factor 1)."""
    return start + (end - start) * factor


ANNEALERS = {'cos': annealing_cos, 'linear': annealing_linear}


def annealer(anneal_strategy):
    if anneal_strategy not in ANNEALERS:
        raise ValueError(f"anneal_strategy must be 'cos' or 'linear', got {anneal_strategy!r}")
    return ANNEALERS[anneal_strategy]


# --- warmup ----------------------------------------------------------------------------------

WARMUPS = ('constant', 'linear', 'exp')


def warmup_factor(warmup, cur_iter, warmup_iters, warmup_ratio):
    """The multiplier on the regular lr at iteration ``cur_iter < warmup_iters``.

    constant: ``ratio`` throughout; linear: from ``ratio`` up to 1 in a straight line;
    exp: ``ratio ** (1 - t/T)``, from ``ratio`` up to 1 geometrically.
    """
    progress = cur_iter / warmup_iters
    if warmup == 'constant':
        return warmup_ratio
    if warmup == 'linear':
        return 1 - (1 - progress) * (1 - warmup_ratio)
    if warmup == 'exp':
        return warmup_ratio ** (1 - progress)
    raise ValueError(f"warmup must be one of {WARMUPS} or None, got {warmup!r}")


# --- policies: value at ``progress`` (an epoch when by_epoch=True, else an iteration) ----------

def step_lr(base_lr, progress, step, gamma=0.1, min_lr=None):
    """``base_lr * gamma**k`` where k counts the milestones passed (``step`` a list) or
    ``progress // step`` (``step`` an int: decay every ``step``); never below ``min_lr``."""
    if isinstance(step, int):
        passed = progress // step
    else:
        passed = sum(1 for milestone in step if progress >= milestone)
    lr = base_lr * gamma ** passed
    return lr if min_lr is None else max(lr, min_lr)


def exp_lr(base_lr, progress, gamma):
    """Exponential decay: ``base_lr * gamma**progress``."""
    return base_lr * gamma ** progress


def poly_lr(base_lr, progress, max_progress, power=1.0, min_lr=0.0):
    """Polynomial decay from ``base_lr`` to ``min_lr``: ``(1 - t/T)**power``."""
    return (base_lr - min_lr) * (1 - progress / max_progress) ** power + min_lr


def inv_lr(base_lr, progress, gamma, power=1.0):
    """Inverse decay (Caffe's 'inv'): ``base_lr * (1 + gamma*t)**(-power)``."""
    return base_lr * (1 + gamma * progress) ** (-power)


def min_value(base, minimum=None, minimum_ratio=None, name='min_lr'):
    """The end value of an annealing: ``minimum``, or ``base * minimum_ratio``."""
    if (minimum is None) == (minimum_ratio is None):
        raise ValueError(f'give exactly one of {name} and {name}_ratio, '
                         f'got {name}={minimum!r}, {name}_ratio={minimum_ratio!r}')
    return minimum if minimum_ratio is None else base * minimum_ratio


def cosine_annealing_lr(base_lr, progress, max_progress, min_lr):
    """Half a cosine from ``base_lr`` at 0 to ``min_lr`` at ``max_progress`` (SGDR without restarts)."""
    return annealing_cos(base_lr, min_lr, progress / max_progress)


def flat_cosine_annealing_lr(base_lr, progress, max_progress, min_lr, start_percent=0.75):
    """Flat at ``base_lr`` for the first ``start_percent`` of training, then a cosine to ``min_lr``."""
    start = round(max_progress * start_percent)
    if progress < start:
        return base_lr
    return annealing_cos(base_lr, min_lr, (progress - start) / (max_progress - start))


def cosine_cooldown_lr(base_lr, progress, max_progress, min_lr, cool_down_ratio=0.1,
                       cool_down_time=10):
    """Cosine to ``min_lr`` over all but the last ``cool_down_time`` steps, then
    ``min_lr * cool_down_ratio`` for those (mmcls's CosineAnnealingCooldown)."""
    if progress > max_progress - cool_down_time:
        return min_lr * cool_down_ratio
    return annealing_cos(base_lr, min_lr, progress / (max_progress - cool_down_time))


def linear_annealing_lr(base_lr, progress, max_progress, min_lr):
    """A straight line from ``base_lr`` at 0 to ``min_lr`` at ``max_progress``."""
    return annealing_linear(base_lr, min_lr, progress / max_progress)


def cosine_restart_lr(base_lr, progress, periods, restart_weights, min_lr):
    """Cosine annealing restarted at the end of each period in ``periods``.

    Period i starts at ``restart_weights[i]`` of the way between ``min_lr`` and ``base_lr``.
    """
    start = 0
    for period, weight in zip(periods, restart_weights):
        if progress < start + period:
            return annealing_cos(base_lr, min_lr, min((progress - start) / period, 1), weight)
        start += period
    raise ValueError(f'CosineRestart: step {progress} is past the end of periods={list(periods)} '
                     f'(they sum to {start}); make the periods cover the whole run')


def normalize_target_ratio(target_ratio):
    """A ``(peak, end)`` pair from a number or a 1- or 2-tuple, as mmcv reads it."""
    if isinstance(target_ratio, (int, float)) and not isinstance(target_ratio, bool):
        return (target_ratio, target_ratio / 1e5)
    if isinstance(target_ratio, (tuple, list)) and len(target_ratio) in (1, 2):
        return tuple(target_ratio) if len(target_ratio) == 2 else \
            (target_ratio[0], target_ratio[0] / 1e5)
    raise ValueError(f'target_ratio must be a number or a tuple of two numbers, got {target_ratio!r}')


def cyclic_lr(base_lr, iteration, max_iters, target_ratio=(10, 1e-4), cyclic_times=1,
              step_ratio_up=0.4, anneal_strategy='cos', gamma=1.0):
    """Cyclical lr: each of ``cyclic_times`` cycles rises from ``base_lr`` to
    ``base_lr*target_ratio[0]`` during ``step_ratio_up`` of the cycle, then falls to
    ``base_lr*target_ratio[1]``; cycle c's peak is pulled toward base_lr by ``gamma**c``."""
    peak_ratio, end_ratio = normalize_target_ratio(target_ratio)
    cycle_len = max_iters // cyclic_times
    if cycle_len < 1:
        raise ValueError(f'cyclic: max_iters={max_iters} is shorter than cyclic_times={cyclic_times}')
    up_len = int(step_ratio_up * cycle_len)
    position, cycle = iteration % cycle_len, iteration // cycle_len
    scale = gamma ** cycle
    peak_ratio = 1 - scale + peak_ratio * scale
    anneal = annealer(anneal_strategy)
    if position < up_len:
        return anneal(base_lr, base_lr * peak_ratio, position / up_len)
    return anneal(base_lr * peak_ratio, base_lr * end_ratio,
                  (position - up_len) / (cycle_len - up_len))


class CyclicSchedule:
    """The shape of a cyclical schedule, checked once; ``schedule(base, iteration, max_iters)``
    is its value (``cyclic_lr``). The cyclic LR and momentum hooks each hold one."""

    def __init__(self, target_ratio, cyclic_times=1, step_ratio_up=0.4, anneal_strategy='cos',
                 gamma=1.0):
        if not 0 <= step_ratio_up < 1:
            raise ValueError(f'step_ratio_up must be in [0, 1), got {step_ratio_up!r}')
        if not 0 < gamma <= 1:
            raise ValueError(f'gamma must be in (0, 1], got {gamma!r}')
        annealer(anneal_strategy)
        self.target_ratio = normalize_target_ratio(target_ratio)
        self.cyclic_times, self.step_ratio_up = cyclic_times, step_ratio_up
        self.anneal_strategy, self.gamma = anneal_strategy, gamma

    def __call__(self, base, iteration, max_iters):
        return cyclic_lr(base, iteration, max_iters, self.target_ratio, self.cyclic_times,
                         self.step_ratio_up, self.anneal_strategy, self.gamma)


def phase_value(iteration, phases, anneal, extend_last=False):
    """Walk ``(end_iter, start_value, end_value)`` phases; anneal inside the one holding ``iteration``."""
    start = 0
    for index, (end, start_value, end_value) in enumerate(phases):
        if iteration <= end or (extend_last and index == len(phases) - 1):
            return anneal(start_value, end_value, (iteration - start) / (end - start))
        start = end
    return phases[-1][2]


def one_cycle_lr(iteration, max_lr, total_steps, pct_start=0.3, anneal_strategy='cos',
                 div_factor=25, final_div_factor=1e4, three_phase=False):
    """1cycle lr (Smith 2018): up from ``max_lr/div_factor`` to ``max_lr`` over ``pct_start``
    of ``total_steps``, then down to ``max_lr/div_factor/final_div_factor`` (three_phase: back to
    the start value first, then down)."""
    base = max_lr / div_factor
    up_end = float(pct_start * total_steps) - 1
    if three_phase:
        phases = [(up_end, base, base * div_factor),
                  (float(2 * pct_start * total_steps) - 2, base * div_factor, base),
                  (total_steps - 1, base, base / final_div_factor)]
    else:
        phases = [(up_end, base, base * div_factor),
                  (total_steps - 1, base * div_factor, base / final_div_factor)]
    return phase_value(iteration, phases, annealer(anneal_strategy))


def one_cycle_momentum(iteration, max_iters, base_momentum=0.85, max_momentum=0.95,
                       pct_start=0.3, anneal_strategy='cos', three_phase=False):
    """Momentum mirroring 1cycle lr: down from ``max_momentum`` to ``base_momentum`` while
    the lr rises, back up while it falls."""
    up_end = float(pct_start * max_iters) - 1
    if three_phase:
        phases = [(up_end, max_momentum, base_momentum),
                  (float(2 * pct_start * max_iters) - 2, base_momentum, max_momentum),
                  (max_iters - 1, max_momentum, max_momentum)]
    else:
        phases = [(up_end, max_momentum, base_momentum),
                  (max_iters - 1, base_momentum, max_momentum)]
    return phase_value(iteration, phases, annealer(anneal_strategy), extend_last=True)
