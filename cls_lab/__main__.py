"""``python -m cls_lab <command> ...``: the command-line tools, one module each in cls_lab/tools/.

Each tool module has a docstring (its help), ``add_arguments(parser)`` and ``main(args)``.
"""
import argparse
import importlib
import sys

COMMANDS = {
    'train': 'cls_lab.tools.train',
    'test': 'cls_lab.tools.test',
    'print-config': 'cls_lab.tools.print_config',
    'vis-lr': 'cls_lab.tools.vis_lr',
    'browse-dataset': 'cls_lab.tools.browse_dataset',
    'publish': 'cls_lab.tools.publish',
    'get-flops': 'cls_lab.tools.get_flops',
    'export': 'cls_lab.tools.export',
    'confusion-matrix': 'cls_lab.tools.confusion_matrix',
    'analyze-results': 'cls_lab.tools.analyze_results',
    'vis-cam': 'cls_lab.tools.vis_cam',
    'analyze-logs': 'cls_lab.tools.analyze_logs',
    'lr-find': 'cls_lab.tools.lr_find',
    'sweep': 'cls_lab.tools.sweep',
}


def build_parser():
    parser = argparse.ArgumentParser(prog='python -m cls_lab', description=__doc__.split('\n')[0])
    sub = parser.add_subparsers(dest='command', required=True, metavar='COMMAND')
    for name, module_name in COMMANDS.items():
        module = importlib.import_module(module_name)
        summary = (module.__doc__ or '').strip().split('\n')[0]
        command = sub.add_parser(name, help=summary, description=module.__doc__,
                                 formatter_class=argparse.RawDescriptionHelpFormatter)
        module.add_arguments(command)
        command.set_defaults(run=module.main)
    return parser


def main(argv=None):
    args = build_parser().parse_args(argv)
    return args.run(args) or 0


if __name__ == '__main__':
    sys.exit(main())
