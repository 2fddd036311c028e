"""``python -m cls_lab <command> ...``: the command-line tools, one module each in cls_lab/tools/.

Each tool module has a docstring (its help), ``add_arguments(parser)`` and ``main(args)``.
A user error (bad config, argument, file, checkpoint or data) prints one line and exits 1;
``--debug`` (or ``CLS_LAB_DEBUG=1``) shows the traceback instead.
"""
import argparse
import importlib
import os
import sys

COMMANDS = {
    'train': 'cls_lab.tools.train',
    'test': 'cls_lab.tools.test',
    'print-config': 'cls_lab.tools.print_config',
    'vis-lr': 'cls_lab.tools.vis_lr',
    'browse-dataset': 'cls_lab.tools.browse_dataset',
    'publish': 'cls_lab.tools.publish',
    'verify-dataset': 'cls_lab.tools.verify_dataset',
    'get-flops': 'cls_lab.tools.get_flops',
    'export': 'cls_lab.tools.export',
    'confusion-matrix': 'cls_lab.tools.confusion_matrix',
    'analyze-results': 'cls_lab.tools.analyze_results',
    'vis-cam': 'cls_lab.tools.vis_cam',
    'analyze-logs': 'cls_lab.tools.analyze_logs',
    'lr-find': 'cls_lab.tools.lr_find',
    'sweep': 'cls_lab.tools.sweep',
}


class ShortErrorParser(argparse.ArgumentParser):
    """argparse, but a bad argument prints two lines (the error, where help is), not the usage."""

    def error(self, message):
        self.exit(2, f'{self.prog}: error: {message}\n(see: {self.prog} --help)\n')


def build_parser():
    parser = ShortErrorParser(prog='python -m cls_lab', description=__doc__.split('\n')[0])
    parser.add_argument('--debug', action='store_true',
                        help='show the full traceback of an error (or set CLS_LAB_DEBUG=1)')
    sub = parser.add_subparsers(dest='command', required=True, metavar='COMMAND',
                                parser_class=ShortErrorParser)
    for name, module_name in COMMANDS.items():
        module = importlib.import_module(module_name)
        summary = (module.__doc__ or '').strip().split('\n')[0]
        command = sub.add_parser(name, help=summary, description=module.__doc__,
                                 formatter_class=argparse.RawDescriptionHelpFormatter)
        module.add_arguments(command)
        command.add_argument('--debug', action='store_true', default=argparse.SUPPRESS,
                             help='show the full traceback of an error')
        command.set_defaults(run=module.main)
    return parser


def main(argv=None):
    args = build_parser().parse_args(argv)
    if args.debug or os.environ.get('CLS_LAB_DEBUG', '') not in ('', '0'):
        return args.run(args) or 0
    from cls_lab.errors import UserError
    try:
        return args.run(args) or 0
    except UserError as error:
        return _fail(args.command, error)
    except USER_CAUSED as error:   # bad input reported by Python/torch themselves
        return _fail(args.command, error)
    except KeyboardInterrupt:      # train says where its checkpoint is; the others stop
        print(f'cls_lab {args.command}: interrupted', file=sys.stderr)
        return 130


# Builtin exceptions that cls_lab raises for bad input (config.py, the registry, file reads);
# programming errors (AttributeError, IndexError, AssertionError, ...) keep their traceback.
USER_CAUSED = (KeyError, ValueError, TypeError, OSError, SyntaxError, ImportError, RuntimeError)


def _fail(command, error):
    message = error.args[0] if isinstance(error, KeyError) and len(error.args) == 1 \
        and isinstance(error.args[0], str) else str(error)
    if 'Original Traceback' in message:   # raised in a DataLoader worker: its last line
        message = message.strip().splitlines()[-1].split(': ', 1)[-1]
    message = message.strip() or type(error).__name__
    print(f'cls_lab {command}: error: {message}\n(add --debug to see the traceback)',
          file=sys.stderr)
    return 1


if __name__ == '__main__':
    sys.exit(main())
