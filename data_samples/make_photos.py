"""Build data_samples/photos/: five public-domain / CC0 photos that scikit-image bundles, as JPEG.

Deterministic (same Pillow, same bytes). Run: ``python data_samples/make_photos.py``.
The source and licence of each photo is recorded in data_samples/README.md.
"""
from pathlib import Path

from PIL import Image
from skimage import data

OUT = Path(__file__).resolve().parent / 'photos'
# name -> skimage.data loader; every one is public domain or CC0 (see README.md)
PHOTOS = {
    'astronaut': data.astronaut,
    'chelsea': data.chelsea,
    'coffee': data.coffee,
    'rocket': data.rocket,
    'hubble_deep_field': data.hubble_deep_field,
}
QUALITY = 90


def main():
    OUT.mkdir(parents=True, exist_ok=True)
    for name, load in PHOTOS.items():
        image = Image.fromarray(load()).convert('RGB')
        image.save(OUT / f'{name}.jpg', format='JPEG', quality=QUALITY)
        print(f'{name}.jpg  {image.width}x{image.height}')


if __name__ == '__main__':
    main()
