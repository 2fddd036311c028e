"""Edit a config and see what it becomes: merged text, ``_base_`` tree, provenance and diff.

A config file is short because it inherits from ``_base_`` files; this widget shows the
result of that inheritance while you type. The plain functions (``config_tree``,
``plot_config_tree``, ``config_diff``) give the same views to scripts and tests.
"""
import difflib
import json
import os
import re

import ipywidgets as widgets

from cls_lab.config import Config, read_bases

from ._display import error_html, figure_to_png, image_widget, new_figure, pre

def base_tree(path):
    """``(path, own keys, [children])`` for a config file and, recursively, its ``_base_`` files."""
    path = os.path.normpath(os.path.abspath(str(path)))
    with open(path, encoding='utf-8') as f:
        bases, keys = read_bases(f.read(), os.path.splitext(path)[1].lower(), path)
    folder = os.path.dirname(path)
    return path, keys, [base_tree(os.path.join(folder, base)) for base in bases]


def _relative(path):
    """``path`` relative to the working directory when it lies below it, else as it is."""
    try:
        relative = os.path.relpath(path)
    except ValueError:   # another drive on Windows
        return path
    return path if relative.startswith('..') else relative


def config_tree(path):
    """The ``_base_`` tree of a config file as indented text, each file with the keys it sets."""
    return tree_text(base_tree(path))


def tree_text(node):
    """Indented text of a ``base_tree`` node."""
    lines = []

    def walk(node, prefix, last, top):
        path, keys, children = node
        branch = '' if top else ('└── ' if last else '├── ')
        sets = f'   sets: {", ".join(keys)}' if keys else ''
        lines.append(f'{prefix}{branch}{_relative(path)}{sets}')
        inner = prefix + ('' if top else ('    ' if last else '│   '))
        for i, child in enumerate(children):
            walk(child, inner, i == len(children) - 1, False)
    walk(node, '', True, True)
    return '\n'.join(lines)


def plot_config_tree(path):
    """Figure: the config and its ``_base_`` files as boxes, children to the right of their parent."""
    return draw_tree(base_tree(path))


def draw_tree(root):
    """Figure of a ``base_tree`` node: one box per file (with the keys it sets), arrows to its bases."""
    boxes, edges, leaves = [], [], [0]   # leaves: the next free row

    def layout(node, depth):
        path, keys, children = node
        child_ids = [layout(child, depth + 1) for child in children]
        if child_ids:
            row = sum(boxes[i][1] for i in child_ids) / len(child_ids)
        else:
            row, leaves[0] = leaves[0], leaves[0] + 1
        boxes.append((depth, row, path, keys))
        edges.extend((len(boxes) - 1, i) for i in child_ids)
        return len(boxes) - 1
    layout(root, 0)
    depth_max = max(b[0] for b in boxes)
    fig = new_figure(3.6 * (depth_max + 1), max(1.6, 0.9 * leaves[0]))
    ax = fig.add_subplot()
    for parent, child in edges:
        (x0, y0), (x1, y1) = boxes[parent][:2], boxes[child][:2]
        ax.annotate('', xy=(x1, -y1), xytext=(x0, -y0),
                    arrowprops=dict(arrowstyle='->', color='gray', shrinkA=40, shrinkB=40))
    for depth, row, path, keys in boxes:
        label = os.path.basename(path) + (f'\n{", ".join(keys)}' if keys else '')
        ax.text(depth, -row, label, ha='center', va='center', fontsize=8,
                bbox=dict(boxstyle='round', facecolor='#e8f0fe' if depth else '#fde9c4'))
    ax.set_xlim(-0.6, depth_max + 0.6)
    ax.set_ylim(-leaves[0] + 0.4, 0.6)
    ax.set_axis_off()
    ax.set_title(f'{os.path.basename(boxes[-1][2])}: child (left) inherits from its _base_ files (right)',
                 fontsize=9)
    return fig


def load_text(text, filename=None, file_format=None):
    """``Config`` from edited ``text``; ``_base_`` paths resolve next to ``filename`` as in the file."""
    suffix = file_format or (os.path.splitext(filename)[1] if filename else '.py')
    folder = os.path.dirname(os.path.abspath(filename)) if filename else None
    return Config.fromstring(text, file_format=suffix, base_dir=folder)


def bases_only_text(text, suffix='.py'):
    """The same config reduced to its ``_base_`` line: what it would be without its own keys."""
    bases, _ = read_bases(text, suffix)
    if suffix == '.py':
        return f'_base_ = {bases!r}\n'
    return json.dumps({'_base_': bases}) if suffix == '.json' else f'_base_: {json.dumps(bases)}\n'


def config_diff(text, filename=None, file_format=None):
    """Unified diff: the merged ``_base_`` files alone vs the merged config (what the child changes)."""
    suffix = file_format or (os.path.splitext(filename)[1] if filename else '.py')
    merged = load_text(text, filename, suffix).pretty_text
    bases = load_text(bases_only_text(text, suffix), filename, suffix).pretty_text
    name = os.path.basename(filename) if filename else 'config'
    return ''.join(difflib.unified_diff(bases.splitlines(True), merged.splitlines(True),
                                        '_base_ files merged', f'{name} merged', n=1))


def describe_error(error):
    """An error as text: type and message, and for a syntax error the offending line."""
    text = f'{type(error).__name__}: {error}'
    if isinstance(error, SyntaxError) and error.text:
        text += f'\n    {error.text.rstrip()}\n    {" " * max((error.offset or 1) - 1, 0)}^'
    return text


def dotted_keys(value, prefix=''):
    """Every key path of a nested dict/list: ``model``, ``model.backbone``, ``model.backbone.depth`` ..."""
    keys = []
    items = value.items() if isinstance(value, dict) else \
        enumerate(value) if isinstance(value, list) else ()
    for key, inner in items:
        path = f'{prefix}{key}'
        keys.append(path)
        keys.extend(dotted_keys(inner, path + '.'))
    return keys


class ConfigEditor(widgets.VBox):
    """Edit a config's text; see the merged result, the ``_base_`` tree, the diff and ``explain(key)``.

    A broken edit shows its error (with the file and line) and keeps the last good views.
    ``build=fn`` also calls ``fn(cfg)`` after each good load (e.g. ``lambda c: MODELS.build(c.model)``)
    and shows what it returned, or the registry's error, in a 'built' tab.
    """

    def __init__(self, path_or_cfg, rows=14, build=None):
        super().__init__()
        if isinstance(path_or_cfg, Config):
            self.filename = path_or_cfg.filename
            text = open(self.filename, encoding='utf-8').read() if self.filename \
                else path_or_cfg.pretty_text
        else:
            self.filename = str(path_or_cfg)
            with open(self.filename, encoding='utf-8') as f:
                text = f.read()
        self.cfg = None
        self.error = None
        self.build, self.built = build, None
        name = _relative(self.filename) if self.filename else 'config'
        self.editor = widgets.Textarea(value=text, rows=rows, continuous_update=False,
                                       layout=widgets.Layout(width='100%'))
        self.apply_button = widgets.Button(description='apply', icon='check')
        self.status = widgets.HTML()
        scroll = dict(max_height='420px', overflow='auto')   # long configs scroll in place
        self.merged = widgets.HTML(layout=widgets.Layout(**scroll))
        self.tree = widgets.HTML(layout=widgets.Layout(**scroll))
        self.diff = widgets.HTML(layout=widgets.Layout(**scroll))
        self.key = widgets.Combobox(placeholder='a key, e.g. model.backbone.depth',
                                    description='key', ensure_option=False)
        self.explained = widgets.HTML()
        self.tree_image = image_widget()
        self.built_view = widgets.HTML(layout=widgets.Layout(**scroll))
        views = [self.merged, widgets.VBox([self.tree, self.tree_image]), self.diff,
                 widgets.VBox([self.key, self.explained])]
        titles = ['merged', '_base_ tree', 'diff vs bases', 'explain']
        if build is not None:
            views, titles = [self.built_view] + views, ['built'] + titles
        self.tabs = widgets.Tab(children=views, titles=titles)
        self.editor.observe(lambda _change: self.apply(), names='value')
        self.apply_button.on_click(lambda _button: self.apply())
        self.key.observe(lambda _change: self.explain(), names='value')
        self.add_class('cls-lab-config-editor')
        self.children = [widgets.HTML(f'<b>{name}</b> (edit, then click apply or leave the box)'),
                         self.editor, widgets.HBox([self.apply_button, self.status]), self.tabs]
        self.apply()

    def apply(self):
        """Re-load the edited text; on success refresh every view, on failure show the error."""
        text = self.editor.value
        try:
            cfg = load_text(text, self.filename)
            diff = config_diff(text, self.filename)
        except Exception as error:   # anything a config can raise: show it, keep the widget
            self.error = error
            self.status.value = pre(self._name_text(describe_error(error)), color='#b00020')
            return
        self.cfg, self.error = cfg, None
        self.status.value = '<span style="color:green">✓ loaded</span>'
        self.merged.value = pre(self._name_text(cfg.pretty_text))
        if not read_bases(text, os.path.splitext(self.filename or '.py')[1])[0]:
            diff = '(this config has no _base_ files: everything in it is its own)'
        self.diff.value = pre(diff or '(no difference: the file only lists _base_ files)')
        node = self._edited_tree(text)
        self.tree.value = pre(tree_text(node))
        self.tree_image.value = figure_to_png(draw_tree(node))
        self.key.options = tuple(dotted_keys(cfg.to_dict()))
        self.explain()
        self.build_object()

    def build_object(self):
        """Call ``build(cfg)``; show its repr, or its error in red (the config itself loaded)."""
        if self.build is None or self.cfg is None:
            return
        try:
            self.built = self.build(self.cfg)
        except Exception as error:   # e.g. a misspelt type: the registry suggests the name
            self.built, self.error = None, error
            self.status.value = pre('loaded, but building failed:\n' + describe_error(error),
                                    color='#b00020')
            self.built_view.value = error_html(error)
            return
        self.built_view.value = pre(repr(self.built))

    def explain(self):
        """Show ``cfg.explain(key)`` for the key in the key box."""
        key = self.key.value.strip()
        if not key or self.cfg is None:
            self.explained.value = pre('type or pick a key to see which file set it')
            return
        try:
            self.explained.value = pre(self._name_text(self.cfg.explain(key)))
        except Exception as error:
            self.explained.value = error_html(error)

    def _edited_tree(self, text):
        """The ``base_tree`` node of the edited text (its bases read from disk)."""
        suffix = os.path.splitext(self.filename or '.py')[1]
        bases, keys = read_bases(text, suffix)
        folder = os.path.dirname(os.path.abspath(self.filename or '.'))
        name = f'{self.filename or "config"} (edited)'
        return name, keys, [base_tree(os.path.join(folder, base)) for base in bases]

    def _name_text(self, text):
        """Say the edited file's name where the config loader wrote ``<string.py>``."""
        name = f'{_relative(self.filename)} (edited)' if self.filename else 'the edited text'
        text = re.sub(r'<string\.\w+>', name, text)
        return text.replace(os.getcwd() + os.sep, '')
