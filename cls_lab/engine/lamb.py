"""The LAMB optimizer (You et al., 2019), registered as ``type='Lamb'`` as mmcls does.

Adam's update, then scaled per tensor by the trust ratio ``||w|| / ||update||`` so every
layer moves by a similar fraction of its size: large-batch training (DeiT, ViT recipes).
Gradients are first clipped by their global norm (``max_grad_norm``).
"""
import math

import torch
from torch.optim import Optimizer

from cls_lab.registry import OPTIMIZERS


@OPTIMIZERS.register_module()
class Lamb(Optimizer):
    """LAMB with mmcls 0.25's arguments and defaults (its version follows timm's)."""

    def __init__(self, params, lr=1e-3, bias_correction=True, betas=(0.9, 0.999), eps=1e-6,
                 weight_decay=0.01, grad_averaging=True, max_grad_norm=1.0, trust_clip=False,
                 always_adapt=False):
        defaults = dict(lr=lr, bias_correction=bias_correction, betas=betas, eps=eps,
                        weight_decay=weight_decay, grad_averaging=grad_averaging,
                        max_grad_norm=max_grad_norm, trust_clip=trust_clip,
                        always_adapt=always_adapt)
        super().__init__(params, defaults)

    def _global_clip(self):
        """The divisor that brings the global gradient norm down to ``max_grad_norm``."""
        grads = [p.grad for group in self.param_groups for p in group['params']
                 if p.grad is not None]
        max_norm = self.defaults['max_grad_norm']
        if not grads or max_norm is None:
            return 1.0
        norm = torch.linalg.vector_norm(torch.stack([torch.linalg.vector_norm(g) for g in grads]))
        return torch.clamp(norm / max_norm, min=1.0)

    @torch.no_grad()
    def step(self, closure=None):
        loss = None
        if closure is not None:
            with torch.enable_grad():
                loss = closure()
        clip = self._global_clip()
        for group in self.param_groups:
            beta1, beta2 = group['betas']
            beta3 = 1 - beta1 if group['grad_averaging'] else 1.0
            for p in group['params']:
                if p.grad is None:
                    continue
                grad = p.grad / clip
                state = self.state[p]
                if not state:
                    state['step'] = 0
                    state['exp_avg'] = torch.zeros_like(p)
                    state['exp_avg_sq'] = torch.zeros_like(p)
                state['step'] += 1
                step = state['step']
                correction1 = 1 - beta1 ** step if group['bias_correction'] else 1.0
                correction2 = 1 - beta2 ** step if group['bias_correction'] else 1.0
                exp_avg, exp_avg_sq = state['exp_avg'], state['exp_avg_sq']
                exp_avg.mul_(beta1).add_(grad, alpha=beta3)
                exp_avg_sq.mul_(beta2).addcmul_(grad, grad, value=1 - beta2)
                denom = (exp_avg_sq.sqrt() / math.sqrt(correction2)).add_(group['eps'])
                update = (exp_avg / correction1).div_(denom)
                if group['weight_decay'] != 0:
                    update.add_(p, alpha=group['weight_decay'])
                if group['weight_decay'] != 0 or group['always_adapt']:
                    w_norm, u_norm = p.norm(2.0), update.norm(2.0)
                    one = torch.ones_like(w_norm)
                    ratio = torch.where(w_norm > 0, torch.where(u_norm > 0, w_norm / u_norm, one),
                                        one)
                    if group['trust_clip']:
                        ratio = torch.clamp(ratio, max=1.0)
                    update.mul_(ratio)
                p.add_(update, alpha=-group['lr'])
        return loss
