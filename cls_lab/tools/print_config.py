"""Print a config after its _base_ files and --cfg-options are merged in, or explain one key.

    python -m cls_lab print-config configs/resnet/resnet18-narrow_1xb32-coslr-4e_digits.py
    python -m cls_lab print-config CONFIG --cfg-options runner.max_epochs=3 workflow="[(train,1)]"
    python -m cls_lab print-config CONFIG --explain runner.max_epochs   # which file set it

The printed text is a valid Python config: redirect it to a file to freeze an experiment.
"""
from cls_lab.config import Config, DictAction


def add_arguments(parser):
    parser.add_argument('config', help='config file (.py, .json or .yaml)')
    parser.add_argument('--cfg-options', nargs='+', action=DictAction, metavar='KEY=VALUE',
                        help='override keys, e.g. model.backbone.depth=18 '
                             'workflow="[(train,1),(val,1)]"')
    parser.add_argument('--explain', metavar='KEY',
                        help='instead of the config, say which file (and line) or override set '
                             'KEY, e.g. runner.max_epochs')


def main(args):
    cfg = Config.fromfile(args.config)
    if args.cfg_options:
        cfg.merge_from_dict(args.cfg_options, source='--cfg-options')
    print(cfg.explain(args.explain) if args.explain else cfg.pretty_text.rstrip('\n'))
    return 0
