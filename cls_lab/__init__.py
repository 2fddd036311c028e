"""cls_lab: a small, readable image-classification kit in the OpenMMLab 0.x style.

Importing the package fills the registries (models, datasets, transforms, hooks, ...),
so ``MODELS.build(dict(type='ResNet', depth=18))`` works right after ``import cls_lab``.
"""
from pathlib import Path

__version__ = '0.1.0'

#: The repository root: configs/ and data_samples/ live here, and config paths such as
#: ``data_samples/digits/train`` are relative to it (notebooks ``os.chdir`` there first).
ROOT = Path(__file__).resolve().parent.parent

# Importing the sub-packages registers every model, dataset, transform, hook and runner.
from . import models, datasets, engine, apis  # noqa: E402,F401
