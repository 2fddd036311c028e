"""Self-supervised learning (seed 002): algorithms = backbone + neck + head (+ memory bank).

Importing this package registers ``SimCLR``, ``MoCo``, ``NPID``, ``NonLinearNeck``,
``ProbeNeck``, ``ContrastiveHead`` and ``MemoryBank`` in ``MODELS``, so configs can name them.
"""
from .base import BaseSelfSupervisor
from .contrastive_head import ContrastiveHead
from .memory_bank import MemoryBank
from .moco import MoCo
from .nonlinear_neck import NonLinearNeck
from .probe_neck import ProbeNeck
from .npid import NPID
from .simclr import SimCLR, nt_xent_pairs

__all__ = ['BaseSelfSupervisor', 'SimCLR', 'MoCo', 'NPID', 'NonLinearNeck', 'ProbeNeck',
           'ContrastiveHead', 'MemoryBank', 'nt_xent_pairs']
