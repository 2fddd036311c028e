"""Turn a training checkpoint into a release file: no optimizer state, a hash in the name.

    python -m cls_lab publish work_dirs/resnet18-narrow_1xb32-coslr-4e_digits/latest.pth \\
        checkpoints/resnet18-narrow_digits.pth
    -> checkpoints/resnet18-narrow_digits_20261124-1a2b3c4d.pth

The name follows the model-zoo rule {config_name}_{date}-{hash}.pth: today's date is added
unless OUT already ends in _YYYYMMDD, and the hash is the first 8 hex digits of the
file's SHA-256, so a download can be checked against its own name.
"""
import hashlib
import io
import os
import re
import time
from pathlib import Path

import torch


def add_arguments(parser):
    parser.add_argument('in_file', metavar='IN', help='checkpoint written by training')
    parser.add_argument('out_file', metavar='OUT', help='output name, e.g. checkpoints/'
                        'resnet18-narrow_digits.pth (date and hash are appended)')


def main(args):
    final = publish_checkpoint(args.in_file, args.out_file)
    print(final)
    return 0


def publish_checkpoint(in_file, out_file):
    """Write ``in_file`` without its optimizer as ``{out stem}[_{date}]-{sha256[:8]}.pth``."""
    from cls_lab.engine.checkpoint import load_file
    from cls_lab.errors import CheckpointError
    in_file, out_file = Path(in_file), Path(out_file)
    checkpoint = load_file(in_file)     # names the file when missing, truncated or not a .pth
    if not isinstance(checkpoint, dict) or 'state_dict' not in checkpoint:
        raise CheckpointError(f'{in_file} is not a training checkpoint (no "state_dict" key); '
                              'publish takes a file written by training, e.g. latest.pth')
    checkpoint.pop('optimizer', None)
    stem = out_file.name[:-len('.pth')] if out_file.name.endswith('.pth') else out_file.name
    if not re.search(r'_\d{8}$', stem):
        stem += time.strftime('_%Y%m%d')
    buffer = io.BytesIO()            # in memory: the same weights always give the same bytes
    torch.save(checkpoint, buffer)
    data = buffer.getvalue()
    final = out_file.parent / f'{stem}-{hashlib.sha256(data).hexdigest()[:8]}.pth'
    final.parent.mkdir(parents=True, exist_ok=True)
    temporary = final.with_name(f'.{final.name}.tmp')
    temporary.write_bytes(data)
    os.replace(temporary, final)     # atomic: no half-written release file
    return final
