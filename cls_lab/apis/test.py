"""Run a classifier over a whole data loader and collect its per-image scores.

``single_gpu_test`` for one process (mmcls's, with ``show``/``out_dir`` drawings);
``multi_gpu_test`` when each process of a distributed run holds a shard of the data set and
rank 0 needs every result, in data set order. The loop itself is the engine's
(``cls_lab.engine.test``), the one ``EvalHook`` runs: each batch as
``model(return_loss=False, **data)``.
"""
from pathlib import Path

import numpy as np
from tqdm.auto import tqdm

from cls_lab.engine import test as engine_test
from cls_lab.engine.test import multi_gpu_test, predict_batch

__all__ = ['single_gpu_test', 'multi_gpu_test']


def single_gpu_test(model, data_loader, show=False, out_dir=None, **show_kwargs):
    """Score every image of ``data_loader``; returns the model's results, in loader order.

    With ``out_dir`` each image is also saved there as a PNG titled with its prediction;
    ``show=True`` opens the same figures (desktop backends only).
    """
    if not (show or out_dir):
        return engine_test.single_gpu_test(model, data_loader)
    model.eval()
    results = []
    for batch in tqdm(data_loader, desc='test', leave=False):
        scores = predict_batch(model, batch)
        _draw_batch(model, batch, [np.asarray(s) for s in scores], len(results), show, out_dir)
        results.extend(scores)
    return results


def _draw_batch(model, batch, scores, offset, show, out_dir):
    from matplotlib.figure import Figure

    from .inference import draw_result, read_rgb, show_result_pyplot
    metas = batch.get('img_metas') or [{}] * len(scores)
    images = batch['img'][0] if isinstance(batch['img'], list) else batch['img']
    classes = getattr(model, 'CLASSES', None)
    for i, score in enumerate(scores):
        label = int(np.argmax(score))
        result = dict(pred_label=label, pred_score=float(score[label]),
                      pred_class=str(classes[label]) if classes is not None else str(label))
        filename = metas[i].get('filename')
        image = read_rgb(filename)[..., ::-1] if filename else _tensor_to_bgr(images[i], metas[i])
        name = Path(metas[i].get('ori_filename') or f'{offset + i:06d}.png')
        if out_dir:
            figure = draw_result(Figure(figsize=(4, 4)), image, result, title=name.name)
            path = Path(out_dir) / name.with_suffix('.png')
            path.parent.mkdir(parents=True, exist_ok=True)
            figure.savefig(path)
        if show:
            show_result_pyplot(model, image, result, title=name.name)


def _tensor_to_bgr(img, meta):
    """Undo Normalize for display: CHW float tensor -> HWC uint8 BGR."""
    img = img.detach().float().cpu().permute(1, 2, 0).numpy()
    norm = meta.get('img_norm_cfg')
    if norm is not None:
        img = img * np.asarray(norm['std']) + np.asarray(norm['mean'])
        rgb = norm.get('to_rgb', False)
    else:
        img = (img - img.min()) / max(float(img.max() - img.min()), 1e-12) * 255
        rgb = True
    img = np.clip(img, 0, 255).astype(np.uint8)
    return img[..., ::-1] if rgb and img.shape[2] == 3 else img
