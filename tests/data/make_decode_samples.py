"""Write the tiny image files tests/test_mmcls_loading.py decodes (one per PNG/JPEG mode).

Run once with the project venv: python tests/data/make_decode_samples.py. The files are
committed; the reference arrays in decode_reference.npz were decoded from them by mmcv 1.7.2.
"""
from pathlib import Path

import numpy as np
from PIL import Image

HERE = Path(__file__).parent / 'decode'


def main():
    rng = np.random.default_rng(13)
    rgb = rng.integers(0, 256, (5, 7, 3), dtype=np.uint8)
    grey16 = (rng.integers(0, 65536, (5, 7))).astype(np.uint16)
    grey16[0, 0], grey16[0, 1] = 32768, 65535
    Image.fromarray(grey16).save(HERE / 'grey16.png')
    Image.fromarray(rgb).convert('P', palette=Image.Palette.ADAPTIVE, colors=8).save(HERE / 'palette.png')
    la = np.dstack([rgb[..., 0], rng.integers(0, 256, (5, 7), dtype=np.uint8)])
    Image.fromarray(la, mode='LA').save(HERE / 'la.png')
    Image.fromarray(np.dstack([rgb, la[..., 1]]), mode='RGBA').save(HERE / 'rgba.png')
    Image.fromarray(rgb).convert('CMYK').save(HERE / 'cmyk.jpg', quality=95)
    exif = Image.Exif()
    exif[0x0112] = 6   # orientation: rotate 90 degrees clockwise to view
    Image.fromarray(rgb).save(HERE / 'exif6.jpg', quality=95, exif=exif)
    Image.fromarray(rgb).save(HERE / 'exif6.png', exif=exif)
    Image.fromarray(rgb).save(HERE / 'plain.jpg', quality=90)


if __name__ == '__main__':
    main()
