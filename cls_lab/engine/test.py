"""Run a model over a whole data loader: each batch as ``model(return_loss=False, **data)``.

This is mmcv's contract, so a custom model that reads ``img_metas`` (or any other key its
test pipeline collects) works here, in ``EvalHook`` and in ``cls_lab.apis``. The batch is
moved to the model's device first (mmcv's ``MMDataParallel`` does that job there).
"""
import torch
import torch.distributed as dist
from tqdm.auto import tqdm


def to_device(data, device):
    """Every tensor of ``data`` (nested dicts, lists, tuples) on ``device``."""
    if isinstance(data, torch.Tensor):
        return data.to(device, non_blocking=True)
    if isinstance(data, dict):
        return {key: to_device(value, device) for key, value in data.items()}
    if isinstance(data, (list, tuple)):
        return type(data)(to_device(value, device) for value in data)
    return data


def model_device(model):
    """Where ``model``'s parameters live (CPU for a model without any)."""
    param = next(model.parameters(), None)
    return param.device if param is not None else torch.device('cpu')


def predict_batch(model, data):
    """The model's per-sample results for one batch (a list, one entry per sample)."""
    with torch.no_grad():
        return list(model(return_loss=False, **to_device(data, model_device(model))))


def single_gpu_test(model, data_loader, progress=True):
    """Every result of ``data_loader``, in loader order; ``model`` is left in eval mode."""
    model.eval()
    results = []
    for data in tqdm(data_loader, desc='test', leave=False, disable=not progress):
        results.extend(predict_batch(model, data))
    return results


def multi_gpu_test(model, data_loader, tmpdir=None, gpu_collect=False, progress=True):
    """Each process scores its shard; rank 0 gets every result in data set order, others None.

    Results are put back in order with the indices each rank's sampler produced, so the
    padding duplicates of a DistributedSampler are dropped. ``tmpdir`` and ``gpu_collect``
    are accepted for mmcv compatibility; torch.distributed gathers the objects either way.
    Without a process group this is ``single_gpu_test``.
    """
    if not (dist.is_available() and dist.is_initialized()):
        return single_gpu_test(model, data_loader, progress)
    rank = dist.get_rank()
    indices = list(iter(data_loader.sampler))
    results = single_gpu_test(model, data_loader, progress and rank == 0)
    shard = [(index, _to_cpu(result)) for index, result in zip(indices, results)]
    gathered = [None] * dist.get_world_size() if rank == 0 else None
    dist.gather_object(shard, gathered, dst=0)
    if rank != 0:
        return None
    by_index = {}
    for part in gathered:
        for index, result in part:
            by_index.setdefault(index, result)
    return [by_index[index] for index in sorted(by_index)]


def _to_cpu(result):
    return result.detach().cpu() if isinstance(result, torch.Tensor) else result
