"""Data pipelines: a sample dict flows through ``Compose([...])`` of registered transforms."""
from .albu import Albu
from .augment_ops import (AutoContrast, Brightness, ColorTransform, Contrast, Cutout, Equalize,
                          Invert, Posterize, Rotate, Sharpness, Shear, Solarize, SolarizeAdd,
                          Translate)
from .auto_augment import AutoAugment, RandAugment
from .compose import Compose
from .formatting import (Collect, ImageToTensor, MultiView, ToHalf, ToNumpy, ToTensor, Transpose,
                         to_tensor)
from .loading import (FileClient, ImageDecodeError, LoadImageFromArray, LoadImageFromFile,
                      MemoryBackend, decode_bgr, start_pipeline)
from .photometric import ColorJitter, Lighting, Normalize, RandomErasing, RandomGrayscale
from .transforms import CenterCrop, Pad, RandomCrop, RandomFlip, RandomResizedCrop, Resize

__all__ = [
    'Compose', 'LoadImageFromFile', 'LoadImageFromArray', 'FileClient', 'MemoryBackend',
    'ImageDecodeError', 'decode_bgr', 'start_pipeline',
    'Resize', 'RandomResizedCrop', 'CenterCrop', 'RandomCrop', 'Pad', 'RandomFlip', 'Normalize',
    'ColorJitter', 'Lighting', 'RandomErasing', 'RandomGrayscale', 'Albu',
    'AutoAugment', 'RandAugment', 'Shear', 'Translate', 'Rotate', 'AutoContrast', 'Invert',
    'Equalize', 'Solarize', 'SolarizeAdd', 'Posterize', 'Contrast', 'ColorTransform',
    'Brightness', 'Sharpness', 'Cutout',
    'ToTensor', 'ImageToTensor', 'Transpose', 'ToNumpy', 'ToHalf', 'Collect', 'MultiView',
    'to_tensor',
]
