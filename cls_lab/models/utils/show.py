"""Draw a prediction onto an image, as mmcls's ``model.show_result`` does (text rows, top-left)."""
from pathlib import Path

import cv2
import numpy as np


def read_bgr(img):
    """A path (decoded by OpenCV, as mmcv.imread) or a BGR array -> a BGR array copy."""
    if isinstance(img, (str, Path)):
        array = cv2.imread(str(img), cv2.IMREAD_COLOR)
        if array is None:
            raise FileNotFoundError(f'cannot read image {img}')
        return array
    return np.array(img, copy=True)


def draw_infos(img, infos, text_color='white', font_scale=0.5, row_width=20):
    """Write ``key: value`` rows of ``infos`` (a dict) on a copy of ``img``; floats get 2 decimals."""
    colors = {'white': (255, 255, 255), 'black': (0, 0, 0), 'green': (0, 255, 0),
              'red': (0, 0, 255), 'blue': (255, 0, 0), 'yellow': (0, 255, 255)}
    color = colors[text_color] if isinstance(text_color, str) else tuple(text_color)
    img = np.ascontiguousarray(read_bgr(img))
    if img.ndim == 2:
        img = cv2.cvtColor(img, cv2.COLOR_GRAY2BGR)
    y = row_width
    for key, value in infos.items():
        value = f'{value:.2f}' if isinstance(value, float) else value
        cv2.putText(img, f'{key}: {value}', (row_width // 2, y), cv2.FONT_HERSHEY_SIMPLEX,
                    font_scale, color, 1, cv2.LINE_AA)
        y += row_width
    return img


def show_infos(img, infos, show=False, out_file=None, win_name='', fig_size=(15, 10),
               wait_time=0, **draw_args):
    """``draw_infos``, then save it to ``out_file`` and/or show it with matplotlib; returns it."""
    drawn = draw_infos(img, infos, **draw_args)
    if out_file is not None:
        Path(out_file).parent.mkdir(parents=True, exist_ok=True)
        if not cv2.imwrite(str(out_file), drawn):
            raise OSError(f'cannot write {out_file} (is the suffix an image format?)')
    if show:
        import matplotlib.pyplot as plt
        plt.figure(win_name or 'result', figsize=fig_size)
        plt.imshow(drawn[..., ::-1])
        plt.axis('off')
        plt.show(block=wait_time == 0)
        if wait_time:
            plt.pause(wait_time)
    return drawn
