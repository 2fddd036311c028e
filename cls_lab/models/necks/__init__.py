"""Necks: what sits between backbone and head."""
from .gap import GlobalAveragePooling

__all__ = ['GlobalAveragePooling']
