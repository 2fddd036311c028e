"""Necks: what sits between backbone and head."""
from .gap import GlobalAveragePooling
from .gem import GeneralizedMeanPooling

__all__ = ['GlobalAveragePooling', 'GeneralizedMeanPooling']
