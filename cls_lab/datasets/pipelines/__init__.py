"""Data pipelines: a sample dict flows through ``Compose([...])`` of registered transforms."""
from .auto_augment import (AutoAugment, AutoContrast, Brightness, ColorTransform, Contrast, Cutout,
                           Equalize, Invert, Posterize, RandAugment, Rotate, Sharpness, Shear,
                           Solarize, SolarizeAdd, Translate)
from .compose import Compose
from .formatting import (Collect, ImageToTensor, MultiView, ToNumpy, ToTensor, Transpose,
                         to_tensor)
from .loading import FileClient, ImageDecodeError, LoadImageFromFile, MemoryBackend
from .transforms import (CenterCrop, ColorJitter, Normalize, RandomCrop, RandomErasing,
                         RandomFlip, RandomGrayscale, RandomResizedCrop, Resize)

__all__ = [
    'Compose', 'LoadImageFromFile', 'FileClient', 'MemoryBackend', 'ImageDecodeError',
    'Resize', 'RandomResizedCrop', 'CenterCrop', 'RandomCrop', 'RandomFlip', 'Normalize',
    'ColorJitter', 'RandomErasing', 'RandomGrayscale',
    'AutoAugment', 'RandAugment', 'Shear', 'Translate', 'Rotate', 'AutoContrast', 'Invert',
    'Equalize', 'Solarize', 'SolarizeAdd', 'Posterize', 'Contrast', 'ColorTransform',
    'Brightness', 'Sharpness', 'Cutout',
    'ToTensor', 'ImageToTensor', 'Transpose', 'ToNumpy', 'Collect', 'MultiView', 'to_tensor',
]
