"""AutoAugment and RandAugment: random policies over the operations of augment_ops.py.

Both check their policies at construction, as mmcls 0.25 does, and draw with Python's
``random`` (the operations then use numpy's coin), so one seed gives mmcls's choices.
Policies: configs/_base_/datasets/pipelines/.
"""
import copy
import inspect
import random
from numbers import Number

from cls_lab.errors import ArgumentError
from cls_lab.registry import TRANSFORMS
from .augment_ops import (AutoContrast, Brightness, ColorTransform, Contrast,  # noqa: F401
                          Cutout, Equalize, Invert, Posterize, Rotate, Sharpness, Shear,
                          Solarize, SolarizeAdd, Translate)
from .compose import Compose


def _check_policy(policy):
    if not isinstance(policy, dict) or 'type' not in policy:
        raise ArgumentError(f'each policy must be a dict with a "type" key, got {policy!r}')
    if policy.get('magnitude_key') is not None:
        span = policy.get('magnitude_range')
        if not (isinstance(span, (list, tuple)) and len(span) == 2):
            raise ArgumentError(f'RandAugment policy {policy["type"]} has magnitude_key but no '
                                f'magnitude_range=(low, high); got {span!r}')


def merge_hparams(policy, hparams):
    """Fill ``hparams`` (e.g. pad_val) into a policy dict for the keys its transform accepts."""
    policy = dict(policy)
    op = TRANSFORMS.get(policy['type'])
    if op is None:
        raise KeyError(f'policy type {policy["type"]!r} is not in the transforms registry')
    accepted = inspect.signature(op.__init__).parameters
    for key, value in hparams.items():
        if key in accepted and policy.get(key) is None:
            policy[key] = value
    return policy


@TRANSFORMS.register_module()
class AutoAugment:
    """Apply one randomly chosen sub-policy (a list of operations) of ``policies`` (Cubuk et al., 2019).

    ``hparams`` fills arguments the policies leave out, e.g. ``dict(pad_val=128)``. Updates: img.
    """

    def __init__(self, policies, hparams=None):
        if not isinstance(policies, (list, tuple)) or not policies or \
                not all(isinstance(sub, (list, tuple)) and sub for sub in policies):
            raise ArgumentError('AutoAugment policies must be a non-empty list of non-empty lists '
                                'of transform dicts')
        for sub in policies:
            for policy in sub:
                _check_policy(policy)
        self.hparams = dict(pad_val=128) if hparams is None else dict(hparams)
        self.policies = [[merge_hparams(op, self.hparams) for op in sub] for sub in policies]
        self.sub_policies = [Compose(sub) for sub in self.policies]

    def __call__(self, results):
        return random.choice(self.sub_policies)(results)

    def __repr__(self):
        lines = ''.join('\n    ' + ', '.join(op['type'] for op in sub) for sub in self.policies)
        return f'{type(self).__name__}({len(self.policies)} sub-policies:{lines}\n)'


@TRANSFORMS.register_module()
class RandAugment:
    """Apply ``num_policies`` operations drawn (with replacement) from ``policies`` (Cubuk et al., 2020).

    A policy with ``magnitude_key`` and ``magnitude_range=(v0, v1)`` gets
    ``magnitude_key = v0 + (level / total_level) * (v1 - v0)``; ``magnitude_std > 0`` makes
    the level Gaussian around ``magnitude_level``, ``'inf'`` uniform in [0, level]. Updates: img.
    """

    def __init__(self, policies, num_policies, magnitude_level, magnitude_std=0.,
                 total_level=30, hparams=None):
        if not isinstance(policies, list) or not policies:
            raise ArgumentError('RandAugment policies must be a non-empty list of transform dicts')
        if not isinstance(num_policies, int) or isinstance(num_policies, bool) or num_policies <= 0:
            raise ArgumentError(f'RandAugment: num_policies must be an int > 0, got {num_policies!r}')
        for name, value in (('magnitude_level', magnitude_level), ('total_level', total_level)):
            if not isinstance(value, Number) or value < 0 or (name == 'total_level' and value == 0):
                raise ArgumentError(f'RandAugment: {name} must be a number '
                                    f'{"> 0" if name == "total_level" else ">= 0"}, got {value!r}')
        if not (isinstance(magnitude_std, Number) or magnitude_std == 'inf'):
            raise ArgumentError(f"magnitude_std must be a number or 'inf', got {magnitude_std!r}")
        for policy in policies:
            _check_policy(policy)
        self.num_policies, self.magnitude_level = num_policies, magnitude_level
        self.magnitude_std, self.total_level = magnitude_std, total_level
        self.hparams = dict(pad_val=128) if hparams is None else dict(hparams)
        self.policies = [merge_hparams(policy, self.hparams) for policy in copy.deepcopy(policies)]
        for policy in self.policies:   # build each op once at the mean level: bad args fail now
            TRANSFORMS.build(self.configure(policy, self.magnitude_level))

    def level(self):
        """This call's magnitude level, with the configured noise."""
        if self.magnitude_std == 'inf':
            return random.uniform(0, self.magnitude_level)
        if self.magnitude_std > 0:
            return min(self.total_level, max(0., random.gauss(self.magnitude_level, self.magnitude_std)))
        return self.magnitude_level

    def configure(self, policy, level=None):
        """A policy dict -> a transform config with its magnitude filled in (this call's level)."""
        policy = dict(policy)
        key = policy.pop('magnitude_key', None)
        if key is not None:
            low, high = policy.pop('magnitude_range')
            level = self.level() if level is None else level
            policy[key] = level / self.total_level * (high - low) + low
        return policy

    def __call__(self, results):
        chosen = random.choices(self.policies, k=self.num_policies)
        return Compose([self.configure(policy) for policy in chosen])(results)

    def __repr__(self):
        names = ', '.join(p['type'] for p in self.policies)
        return (f'{type(self).__name__}(num_policies={self.num_policies}, '
                f'magnitude_level={self.magnitude_level}, magnitude_std={self.magnitude_std}, '
                f'total_level={self.total_level}, policies=[{names}])')
