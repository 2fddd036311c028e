"""Draw the structure diagrams of notebooks 07 and 09 into docs/img/ (SVG, shown in markdown).

They are committed so a reader sees them before running anything; rerun after a change:

    .venv/bin/python scripts/draw_diagrams_07_12.py
"""
from pathlib import Path

import matplotlib

matplotlib.use('Agg')
import matplotlib.pyplot as plt  # noqa: E402
from matplotlib.patches import FancyBboxPatch  # noqa: E402

OUT = Path(__file__).resolve().parents[1] / 'docs' / 'img'
matplotlib.rcParams.update({'svg.hashsalt': 'cls_lab', 'svg.fonttype': 'none'})   # same file each run; text stays text


def box(ax, x, y, w, h, text, colour, size=9, weight='normal'):
    ax.add_patch(FancyBboxPatch((x - w / 2, y - h / 2), w, h, boxstyle='round,pad=0.02,rounding_size=0.08',
                                fc=colour, ec='#333333', lw=1))
    ax.text(x, y, text, ha='center', va='center', fontsize=size, weight=weight)


def arrow(ax, start, end, text='', colour='#333333', rad=0.0, text_at=None):
    ax.annotate('', xy=end, xytext=start,
                arrowprops=dict(arrowstyle='->', color=colour, lw=1.2, connectionstyle=f'arc3,rad={rad}'))
    if text:
        x, y = text_at or ((start[0] + end[0]) / 2 + 0.08, (start[1] + end[1]) / 2)
        ax.text(x, y, text, fontsize=7.5, color=colour, va='center', ha='center' if text_at else 'left')


def save(fig, name):
    fig.savefig(OUT / name, format='svg', metadata={'Date': None}, bbox_inches='tight')
    plt.close(fig)
    print('wrote', OUT / name)


def bottleneck():
    """A ResNet stage (first block with the downsample shortcut) and where the stride sits."""
    fig, axes = plt.subplots(1, 3, figsize=(12, 5.2), gridspec_kw=dict(width_ratios=[1.1, 1, 1]))
    ax = axes[0]
    ax.set_title('a stage = blocks; the first one strides', fontsize=10)
    ys = [4.6, 3.5, 2.4, 1.3, 0.2]
    labels = ['input  C_in x H x W', 'block 0  (stride s,\ndownsample shortcut)', 'block 1',
              '...  (num_blocks - 1 more)', f'output  4*planes x H/s x W/s']
    colours = ['#eeeeee', '#ffd9a8', '#cfe3ff', '#ffffff', '#eeeeee']
    for y, label, colour in zip(ys, labels, colours):
        box(ax, 0.5, y, 0.85, 0.6, label, colour)
    for a, b in zip(ys, ys[1:]):
        arrow(ax, (0.5, a - 0.3), (0.5, b + 0.3))
    ax.text(0.5, -0.7, 'ResNet-50: [3, 4, 6, 3] blocks, planes 64/128/256/512,\n'
            'stride 1 in stage 1 (after the max-pool), 2 in stages 2-4', ha='center', fontsize=8)
    for ax, style, conv1_stride, conv2_stride in ((axes[1], "style='pytorch'", 1, 's'),
                                                  (axes[2], "style='caffe'  (STRIDE_IN_1X1)", 's', 1)):
        ax.set_title(f'Bottleneck, {style}', fontsize=10)
        rows = [(4.6, 'x', '#eeeeee'),
                (3.6, f'conv1 1x1 (planes)\nstride {conv1_stride}, BN, ReLU', '#ffd9a8' if conv1_stride == 's' else '#cfe3ff'),
                (2.5, f'conv2 3x3 (planes)\nstride {conv2_stride}, BN, ReLU', '#ffd9a8' if conv2_stride == 's' else '#cfe3ff'),
                (1.4, 'conv3 1x1 (4*planes)\nBN', '#cfe3ff'),
                (0.4, '+  then ReLU', '#e2f5d8')]
        for y, label, colour in rows:
            box(ax, 0.36, y, 0.62, 0.72 if '\n' in label else 0.5, label, colour, size=8)
        for (a, *_), (b, *_) in zip(rows, rows[1:]):
            arrow(ax, (0.36, a - 0.3), (0.36, b + 0.3))
        box(ax, 0.95, 2.5, 0.26, 1.0, 'down-\nsample\n1x1,\nstride s\n+ BN', '#ffd9a8', size=7.5)
        arrow(ax, (0.55, 4.55), (0.95, 3.03), rad=-0.2)
        arrow(ax, (0.95, 1.97), (0.6, 0.45), rad=-0.2)
        ax.text(0.5, -0.5, ('the 3x3 conv strides: it sees every input pixel\n(torchvision, mmcls default)'
                             if conv1_stride == 1 else
                             'the first 1x1 conv strides: 3/4 of the pixels are\nskipped before any 3x3 (MSRA weights)'),
                ha='center', fontsize=8)
    for ax in axes:
        ax.set_xlim(-0.05, 1.12)
        ax.set_ylim(-1.1, 5.1)
        ax.axis('off')
    save(fig, '07_resnet_stage_bottleneck.svg')


def runner_workflow():
    """The runner's loop and the hook points it calls, with the default hooks at each."""
    fig, ax = plt.subplots(figsize=(12, 6.2))
    ax.set_xlim(0, 12)
    ax.set_ylim(0, 7)
    ax.axis('off')
    point = '#fff2b3'
    box(ax, 1.3, 6.3, 2.2, 0.55, "runner.run(loaders,\nworkflow)", '#eeeeee', weight='bold')
    box(ax, 1.3, 5.2, 2.2, 0.5, 'before_run', point)
    arrow(ax, (1.3, 6.0), (1.3, 5.45))
    # the epoch loop
    ax.add_patch(FancyBboxPatch((2.7, 0.5), 9.0, 5.6, boxstyle='round,pad=0.05', fc='none', ec='#999999',
                                ls='--'))
    ax.text(2.9, 5.85, "while epoch < max_epochs:  for (mode, n) in workflow, e.g. [('train', 1), ('val', 1)]",
            fontsize=9)
    # train phase
    ax.text(5.0, 5.4, "mode 'train'  (runner.train)", fontsize=9, weight='bold', ha='center')
    box(ax, 5.0, 4.8, 3.4, 0.45, 'before_train_epoch', point)
    box(ax, 5.0, 3.95, 3.4, 0.45, 'before_train_iter', point)
    box(ax, 5.0, 3.1, 3.4, 0.55, 'outputs = model.train_step(batch,\noptimizer)', '#cfe3ff')
    box(ax, 5.0, 2.25, 3.4, 0.45, 'after_train_iter', point)
    box(ax, 5.0, 1.0, 3.4, 0.45, 'after_train_epoch', point)
    for a, b in ((4.8, 3.95), (3.95, 3.1), (3.1, 2.25)):
        arrow(ax, (5.0, a - 0.24), (5.0, b + 0.28))
    arrow(ax, (3.3, 2.25), (3.3, 3.95), 'next\nbatch', rad=-0.6, text_at=(2.95, 3.1))
    arrow(ax, (5.0, 2.0), (5.0, 1.25), 'loader done')
    # val phase
    ax.text(9.4, 5.4, "mode 'val'  (runner.val, no gradients)", fontsize=9, weight='bold', ha='center')
    box(ax, 9.4, 4.8, 3.2, 0.45, 'before_val_epoch', point)
    box(ax, 9.4, 3.95, 3.2, 0.45, 'before_val_iter', point)
    box(ax, 9.4, 3.1, 3.2, 0.55, 'outputs = model.val_step(batch)', '#cfe3ff')
    box(ax, 9.4, 2.25, 3.2, 0.45, 'after_val_iter', point)
    box(ax, 9.4, 1.0, 3.2, 0.45, 'after_val_epoch', point)
    for a, b in ((4.8, 3.95), (3.95, 3.1), (3.1, 2.25)):
        arrow(ax, (9.4, a - 0.24), (9.4, b + 0.28))
    arrow(ax, (11.0, 2.25), (11.0, 3.95), 'next\nbatch', rad=0.6, text_at=(11.4, 3.1))
    arrow(ax, (9.4, 2.0), (9.4, 1.25))
    arrow(ax, (6.7, 1.0), (7.8, 4.8), 'then', rad=0.25, text_at=(7.55, 2.0))
    box(ax, 1.3, 1.0, 2.2, 0.5, 'after_run', point)
    arrow(ax, (2.7, 1.0), (2.4, 1.0))
    # which default hooks act where
    notes = ('default hooks at the points\n(priority order):\n\n'
             'before_*_iter: LrUpdater (10)\n   warmup / by-iter lr\n'
             'after_train_iter:\n   CheckInvalidLoss (10),\n   Optimizer (40): step,\n'
             '   IterTimer (70), Logger (90)\n'
             'after_train_epoch:\n   EMA (custom, HIGH 30),\n   Checkpoint (50), Eval (70),\n   Logger (90)')
    ax.text(0.1, 4.55, notes, fontsize=7.5, va='top', family='monospace')
    save(fig, '09_runner_workflow.svg')


if __name__ == '__main__':
    OUT.mkdir(parents=True, exist_ok=True)
    bottleneck()
    runner_workflow()
