"""Export a classifier to ONNX or TorchScript and check the file against PyTorch.

The exported graph is ``img (N, 3, H, W) -> softmax scores (N, num_classes)``, as mmcls'
pytorch2onnx exports ``forward(return_loss=False)``. ONNX export uses torch's TorchScript
exporter (``dynamo=False``): it runs offline without onnxscript and handles every cls_lab
backbone. An op without an ONNX conversion raises ``ExportError`` naming the op and the
module it sits in; ``check_onnx`` runs the file with onnxruntime on the same input.
"""
import contextlib
import os
import re
import tempfile
import warnings

import numpy as np
import torch

from .wrapper import ScoresModel

FORMATS = ('onnx', 'torchscript')


class ExportError(RuntimeError):
    """The model cannot be written in the asked format (the message says which op, where)."""


def scores_model(model):
    """A classifier as ``img -> softmax scores`` in eval mode (other modules as they are)."""
    wrapped = ScoresModel(model) if hasattr(model, 'simple_test') else model
    return wrapped.eval()


def export_onnx(model, path, shape=(3, 224, 224), opset_version=17, dynamic_batch=True):
    """Write ``model`` to ``path`` as ONNX (input ``img``, output ``scores``); returns the path."""
    wrapped = scores_model(model)
    device = next(wrapped.parameters()).device
    x = torch.zeros(1, *shape, device=device)
    axes = {'img': {0: 'batch'}, 'scores': {0: 'batch'}} if dynamic_batch else None
    printed = []
    try:
        with _quiet(), _stdout_of_cpp(printed), torch.no_grad():
            torch.onnx.export(wrapped, (x,), str(path), dynamo=False, input_names=['img'],
                              output_names=['scores'], dynamic_axes=axes,
                              opset_version=opset_version)
    except torch.onnx.errors.UnsupportedOperatorError as error:
        op = re.search(r"operator '([^']+)'", str(error))
        op = op.group(1) if op else str(error)
        raise ExportError(f'ONNX export: the op {op} has no ONNX conversion at opset '
                          f'{opset_version}{_where(op, "".join(printed))}; replace it in the '
                          'model, try another --opset-version, or use --format torchscript') from None
    return str(path)


@contextlib.contextmanager
def _quiet():
    """Silence torch's "TorchScript exporter/tracer is deprecated" warnings: used on purpose."""
    with warnings.catch_warnings():
        warnings.simplefilter('ignore', DeprecationWarning)
        warnings.simplefilter('ignore', FutureWarning)
        yield


@contextlib.contextmanager
def _stdout_of_cpp(lines):
    """Collect what C++ prints on file descriptor 1 (torch dumps the graph there on failure)."""
    try:
        fd = os.dup(1)
    except OSError:       # no real stdout (some embedded interpreters): nothing to collect
        yield
        return
    with tempfile.TemporaryFile(mode='w+b') as sink:
        os.dup2(sink.fileno(), 1)
        try:
            yield
        finally:
            os.dup2(fd, 1)
            os.close(fd)
            sink.seek(0)
            lines.append(sink.read().decode('utf-8', 'replace'))


def _where(op, graph_text):
    """`` (in module backbone.layer1.0)`` from the TorchScript graph torch prints on failure."""
    for line in graph_text.splitlines():
        if f'= {op}(' in line and 'scope:' in line:
            scope = line.split('scope:')[1].split('#')[0].strip()
            names = [part.split('::')[-1] for part in scope.split('/')[1:]]
            names = [n for n in names if n and n != 'classifier']
            return f' (in module {".".join(names)})' if names else ' (in the top-level forward)'
    return ''


def export_torchscript(model, path, shape=(3, 224, 224)):
    """Trace ``model`` into a TorchScript file loadable with ``torch.jit.load``; returns the path."""
    wrapped = scores_model(model)
    x = torch.zeros(1, *shape, device=next(wrapped.parameters()).device)
    try:
        with torch.no_grad(), _quiet():
            traced = torch.jit.trace(wrapped, x)
    except Exception as error:
        raise ExportError(f'TorchScript trace failed: {type(error).__name__}: '
                          f'{str(error).splitlines()[0]}') from None
    traced.save(str(path))
    return str(path)


def pytorch_scores(model, x):
    """The reference output: softmax scores of ``x`` as a numpy array."""
    wrapped = scores_model(model)
    with torch.no_grad():
        return wrapped(x.to(next(wrapped.parameters()).device)).cpu().numpy()


def check_onnx(path, model, x):
    """Run ``path`` with onnxruntime (CPU) and PyTorch on ``x``; returns the max |difference|."""
    import onnxruntime
    session = onnxruntime.InferenceSession(str(path), providers=['CPUExecutionProvider'])
    onnx_out = session.run(None, {'img': x.cpu().numpy().astype(np.float32)})[0]
    return float(np.abs(onnx_out - pytorch_scores(model, x)).max())


def check_torchscript(path, model, x):
    """Run the TorchScript file and PyTorch on ``x``; returns the max |difference|."""
    with _quiet():
        loaded = torch.jit.load(str(path), map_location='cpu')
    with torch.no_grad():
        out = loaded(x.cpu()).numpy()
    return float(np.abs(out - pytorch_scores(model.cpu(), x.cpu())).max())
