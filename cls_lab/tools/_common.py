"""Arguments and output helpers the analysis tools share."""
from pathlib import Path

from cls_lab.config import DictAction


def add_model_arguments(parser, split=True):
    """config, checkpoint, --split, --device, --cfg-options."""
    parser.add_argument('config', help='config file')
    parser.add_argument('checkpoint', help='checkpoint file (.pth)')
    if split:
        parser.add_argument('--split', default='test', choices=['train', 'val', 'test'],
                            help='which data.<split> to score, in test mode (default test)')
    parser.add_argument('--device', help='cpu, cuda or cuda:N (default: cuda when present)')
    parser.add_argument('--cfg-options', nargs='+', action=DictAction, metavar='KEY=VALUE',
                        help='override config keys, e.g. data.test.ann_file=val.txt')


def save_figure(fig, path, dpi=100):
    """Write ``fig`` to ``path`` (folders made); returns the Path."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    fig.savefig(path, dpi=dpi)
    return path


def show_figure(path):
    """Open the saved image ``path`` in a desktop window when matplotlib has one."""
    import matplotlib
    import matplotlib.pyplot as plt
    backend = matplotlib.get_backend().lower()
    if backend in ('agg', 'pdf', 'svg', 'ps', 'cairo', 'template') or 'inline' in backend:
        print(f'--show: matplotlib backend {backend!r} opens no window; see {path}')
        return
    plt.imshow(plt.imread(str(path)))
    plt.axis('off')
    plt.show()
