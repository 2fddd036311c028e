"""Run a classifier over a whole data loader and collect its per-image scores.

``single_gpu_test`` for one process; ``multi_gpu_test`` when each process of a distributed
run holds a shard of the data set and rank 0 needs every result, in data set order.
"""
from pathlib import Path

import numpy as np
import torch
from tqdm.auto import tqdm


def single_gpu_test(model, data_loader, show=False, out_dir=None):
    """Score every image of ``data_loader``; returns a list of numpy score arrays, in order.

    With ``out_dir`` each image is also saved there as a PNG titled with its prediction;
    ``show=True`` opens the same figures (desktop backends only).
    """
    model.eval()
    device = next(model.parameters()).device
    results = []
    for batch in tqdm(data_loader, desc='test', leave=False):
        scores = _predict(model, batch, device)
        if show or out_dir:
            _draw_batch(model, batch, scores, len(results), show, out_dir)
        results.extend(scores)
    return results


def multi_gpu_test(model, data_loader, tmpdir=None, gpu_collect=False):
    """Score this process's shard, then gather all shards on rank 0 (others get ``None``).

    Results are put back in data set order using the indices each rank's sampler produced,
    so padding duplicates of a DistributedSampler are dropped. ``tmpdir`` and
    ``gpu_collect`` are accepted for mmcls compatibility; torch.distributed gathers either way.
    """
    import torch.distributed as dist
    model.eval()
    device = next(model.parameters()).device
    rank, world_size = dist.get_rank(), dist.get_world_size()
    indices = list(iter(data_loader.sampler))
    scores = []
    for batch in tqdm(data_loader, desc=f'test (rank {rank})', leave=False, disable=rank != 0):
        scores.extend(_predict(model, batch, device))
    shard = list(zip(indices, [s.tolist() for s in scores]))
    gathered = [None] * world_size if rank == 0 else None
    dist.gather_object(shard, gathered, dst=0)
    if rank != 0:
        return None
    by_index = {}
    for part in gathered:
        for index, score in part:
            by_index.setdefault(index, np.asarray(score, dtype=np.float32))
    return [by_index[index] for index in sorted(by_index)]


def _predict(model, batch, device):
    img = batch['img']
    img = [view.to(device) for view in img] if isinstance(img, list) else img.to(device)
    with torch.no_grad():
        scores = model(img=img, return_loss=False)
    return [np.asarray(s) for s in scores]


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
