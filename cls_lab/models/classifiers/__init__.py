"""Classifiers."""
from .image_classifier import ImageClassifier, parse_losses

__all__ = ['ImageClassifier', 'parse_losses']
