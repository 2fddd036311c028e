"""Build data_samples/digits/: scikit-learn's 1797 handwritten digits as an ImageNet-style folder.

Deterministic: rerunning writes byte-identical files. Run from anywhere:
    python data_samples/make_digits.py
Layout: train/<label>/<index>.png, val/<label>/<index>.png (32x32 RGB, grey digits),
meta/train.txt and meta/val.txt with lines ``<label>/<index>.png <label>`` (relative to
train/ or val/), and meta/classes.txt with the class names 0..9.
"""
import shutil
from pathlib import Path

import numpy as np
from PIL import Image
from sklearn.datasets import load_digits
from sklearn.model_selection import train_test_split

OUT = Path(__file__).resolve().parent / 'digits'
SIZE = 32          # 8x8 upscaled 4x
VAL_FRACTION = 0.2
SEED = 0


def to_png_image(pixels_8x8):
    """An 8x8 array of ink levels 0..16 -> a 32x32 RGB PIL image, white digit on black."""
    grey = np.round(pixels_8x8 * (255.0 / 16.0)).astype(np.uint8)
    big = Image.fromarray(grey, mode='L').resize((SIZE, SIZE), Image.Resampling.BICUBIC)
    return big.convert('RGB')


def write_split(name, indices, images, labels):
    lines = []
    for index in sorted(indices, key=lambda i: (labels[i], i)):
        relative = f'{labels[index]}/{index:04d}.png'
        path = OUT / name / relative
        path.parent.mkdir(parents=True, exist_ok=True)
        to_png_image(images[index]).save(path, format='PNG', optimize=False)
        lines.append(f'{relative} {labels[index]}\n')
    (OUT / 'meta' / f'{name}.txt').write_text(''.join(lines))
    return len(lines)


def main():
    digits = load_digits()
    images, labels = digits.images, digits.target.astype(int)
    train_idx, val_idx = train_test_split(np.arange(len(labels)), test_size=VAL_FRACTION,
                                          random_state=SEED, stratify=labels)
    if OUT.exists():
        shutil.rmtree(OUT)
    (OUT / 'meta').mkdir(parents=True)
    (OUT / 'meta' / 'classes.txt').write_text(''.join(f'{c}\n' for c in range(10)))
    n_train = write_split('train', train_idx, images, labels)
    n_val = write_split('val', val_idx, images, labels)
    print(f'wrote {n_train} train and {n_val} val images to {OUT}')


if __name__ == '__main__':
    main()
