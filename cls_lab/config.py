"""A config is a tree of dicts read from a file, with ``_base_`` inheritance and provenance.

Standard library (+ PyYAML for .yaml files) only: copy this file into your own project.

    cfg = Config.fromfile('configs/resnet/resnet50_8xb32_in1k.py')
    cfg.model.backbone.depth                       # attribute or item access
    cfg.merge_from_dict({'runner.max_epochs': 3})  # what --cfg-options does
    print(cfg.explain('runner.max_epochs'))        # which file (or override) set it

A ``.py`` config is Python and runs as Python: load only files you trust. ``.json`` and
``.yaml`` configs are data and run no code (YAML is read with ``yaml.safe_load``).
"""
import argparse
import ast
import copy
import difflib
import importlib
import json
import keyword
import math
import os
import re
import warnings
from collections.abc import MutableMapping

__all__ = ['Config', 'ConfigDict', 'ConfigFormatError', 'DictAction', 'read_bases']

_SUFFIXES = ('.py', '.json', '.yaml', '.yml')
_REF = re.compile(r'\{\{\s*_base_\.([\w.]+)\s*\}\}')   # {{_base_.model.backbone.depth}}
_QUOTED_REF = re.compile(r'["\']?' + _REF.pattern + r'["\']?')   # JSON/YAML: quoted or not


class ConfigFormatError(OSError, ValueError):
    """A config file that is not .py/.json/.yaml/.yml: a ValueError, and the IOError mmcv raises."""


class ConfigDict(dict):
    """A dict whose keys also read and write as attributes: ``cfg.model.backbone.depth = 18``."""
    __slots__ = ()

    def __init__(self, *args, **kwargs):
        super().__init__()
        self.update(*args, **kwargs)

    def __setitem__(self, key, value):
        super().__setitem__(key, _to_config_dict(value))

    def update(self, *args, **kwargs):
        for key, value in dict(*args, **kwargs).items():
            self[key] = value

    def setdefault(self, key, default=None):
        if key not in self:
            self[key] = default
        return self[key]

    def __getattr__(self, name):
        try:
            return self[name]
        except KeyError:
            raise AttributeError(_missing_key(self, name, 'this ConfigDict')) from None

    def __setattr__(self, name, value):
        self[name] = value

    def __delattr__(self, name):
        try:
            del self[name]
        except KeyError:
            raise AttributeError(_missing_key(self, name, 'this ConfigDict')) from None

    def to_dict(self):
        """Plain dicts all the way down (lists and tuples keep their type)."""
        return _plain(self)


def _to_config_dict(value):
    if isinstance(value, dict):
        return value if type(value) is ConfigDict else ConfigDict(value)
    if type(value) in (list, tuple):
        return type(value)(_to_config_dict(item) for item in value)
    return value


def _plain(value, tuples_as_lists=False):
    if isinstance(value, dict):
        return {key: _plain(item, tuples_as_lists) for key, item in value.items()}
    if type(value) in (list, tuple):
        items = [_plain(item, tuples_as_lists) for item in value]
        return items if tuples_as_lists or type(value) is list else tuple(items)
    return value


def _missing_key(mapping, name, where):
    if name.startswith('__'):
        return name
    close = difflib.get_close_matches(name, [str(key) for key in mapping], n=3, cutoff=0.6)
    hint = f"; did you mean {' or '.join(map(repr, close))}?" if close else ''
    return f'{where} has no key {name!r}{hint}'


def _warn(message, filename=None, line=None):
    """A UserWarning that points at the config file and line at fault when there is one."""
    if filename and os.path.isfile(filename):
        warnings.warn_explicit(message, UserWarning, filename, line or 1)
    else:
        warnings.warn(message, UserWarning, stacklevel=3)


# ---------------------------------------------------------------- reading files
def _predefined(text, path):
    """Replace ``{{fileDirname}}``, ``{{fileBasename}}``, ``{{fileBasenameNoExtension}}`` and
    ``{{fileExtname}}`` (mmcv's predefined variables) with this file's values."""
    dirname, basename = os.path.split(path)
    values = dict(fileDirname=dirname, fileBasename=basename,
                  fileBasenameNoExtension=os.path.splitext(basename)[0],
                  fileExtname=os.path.splitext(basename)[1])
    for name, value in values.items():
        text = re.sub(r'\{\{\s*' + name + r'\s*\}\}', value.replace('\\', '/'), text)
    return text


def _load_file(path, stack=(), predefined=True):
    """``(merged dict, provenance, texts)`` of a config file and, recursively, its bases."""
    path = os.path.abspath(os.path.expanduser(str(path)))
    if path in stack:
        cycle = stack[stack.index(path):] + (path,)
        raise ValueError('_base_ cycle: ' + ' -> '.join(map(_shown, cycle)))
    suffix = os.path.splitext(path)[1].lower()
    if os.path.isdir(path):
        raise IsADirectoryError(f'{_shown(path)} is a folder, not a config file; give one of '
                                f'its {"/".join(_SUFFIXES)} files')
    if suffix not in _SUFFIXES:
        raise ConfigFormatError(f'unsupported config suffix {suffix!r} in {_shown(path)}; '
                                f'use one of {_SUFFIXES}')
    if not os.path.isfile(path):
        raise FileNotFoundError(f'config file {_shown(path)} does not exist')
    with open(path, encoding='utf-8') as f:
        text = f.read()
    code = _predefined(text, path) if predefined else text
    cfg_dict, prov, texts = _load_text(code, suffix, _shown(path), os.path.dirname(path),
                                       stack + (path,), predefined)
    return cfg_dict, prov, texts + [f'{path}\n{text}']   # as mmcv: absolute path, then text


def _shown(path):
    """``path`` as messages show it: relative to the working directory when inside it."""
    try:
        relative = os.path.relpath(path)
    except ValueError:   # another drive, on Windows
        return path
    return path if relative.startswith(os.pardir) else relative


def _load_text(text, suffix, name, base_dir, stack, predefined=True):
    """``(merged dict, provenance, texts of the base files)`` of one config's text."""
    # {{_base_.x}} becomes a placeholder: a hidden variable (.py) or a string (.json/.yaml)
    refs = []
    pattern = _REF if suffix == '.py' else _QUOTED_REF
    code = pattern.sub(lambda m: refs.append(m.group(1)) or
                       (f'__base_ref{len(refs)}__' if suffix == '.py' else
                        f'"__base_ref{len(refs)}__"'), text)
    if suffix == '.py':
        try:
            tree = ast.parse(code, filename=name)
        except SyntaxError as error:   # its str() shows only the base name: add the path
            error.msg = f'There are syntax errors in config file {name}: {error.msg}'
            raise
        base_files, lines = _py_bases(tree, name), _line_map(tree)
    else:
        own, lines = _read_data(code, suffix, name), {}
        base_files = own.pop('_base_', [])
    base, prov, texts, owner = {}, {}, [], {}
    for relative in [base_files] if isinstance(base_files, str) else base_files:
        full = os.path.normpath(os.path.join(base_dir, os.path.expanduser(relative)))
        if not os.path.isfile(full):
            raise FileNotFoundError(f'base config {_shown(full)} does not exist '
                                    f'(asked for by _base_ = {relative!r} in {name})')
        sub_cfg, sub_prov, sub_texts = _load_file(full, stack, predefined)
        for key in sub_cfg:
            if key in owner:
                raise KeyError(f'{key!r} is defined by two base configs of {name}: '
                               f'{owner[key]} and {_shown(full)}; keep it in one of them')
            owner[key] = _shown(full)
        base.update(sub_cfg), prov.update(sub_prov), texts.extend(sub_texts)
    values = {f'__base_ref{i + 1}__': _resolve(base, ref, name) for i, ref in enumerate(refs)}
    if suffix == '.py':
        namespace = copy.deepcopy(values)
        namespace.update(__file__=name, __name__='__config__')
        exec(compile(tree, name, 'exec'), namespace)
        own = {key: value for key, value in namespace.items() if _is_config_value(key, value)}
        own.pop('_base_', None)
    else:
        own = _resolve_data_refs(own, values)
    _warn_deprecation(own.pop('_deprecation_', None), name)
    locate = lambda path: _where(name, lines, path)   # noqa: E731
    merged = _merge(base, own, strict=True, locate=locate)
    _track(prov, base, own, locate)
    _warn_type_changes(base, own, name, lines)
    _warn_stale_variables(base, own, merged, prov, name, lines)
    return merged, prov, texts


def _warn_deprecation(info, name):
    """``_deprecation_ = dict(expected='new.py', reference='url')``: warn, and drop the key."""
    if info is None:
        return
    message = f'The config file {name} is deprecated and may be removed.'
    if isinstance(info, dict) and info.get('expected'):
        message += f' Please use {info["expected"]} instead.'
    if isinstance(info, dict) and info.get('reference'):
        message += f' See {info["reference"]} for details.'
    warnings.warn(message, DeprecationWarning, stacklevel=2)


def read_bases(text, file_format='.py', name='<string>'):
    """``(base files, own top-level keys)`` of a config text, read without running it.

    The base files are the ``_base_`` entries as written (relative to the file's folder).
    """
    suffix = ('' if file_format.startswith('.') else '.') + file_format.lower()
    if suffix == '.py':
        tree = ast.parse(_REF.sub('None', text), filename=name)
        keys = [target.id for stmt in tree.body if isinstance(stmt, ast.Assign)
                for target in stmt.targets
                if isinstance(target, ast.Name) and not target.id.startswith('_')]
        bases = _py_bases(tree, name)
    else:
        data = _read_data(_REF.sub('null', text), suffix, name)
        bases = data.get('_base_', [])
        keys = [key for key in data if not key.startswith('_')]
    return ([bases] if isinstance(bases, str) else list(bases)), keys


def _py_bases(tree, name):
    for stmt in tree.body:
        if isinstance(stmt, ast.Assign) and any(getattr(t, 'id', '') == '_base_'
                                                for t in stmt.targets):
            try:
                bases = ast.literal_eval(stmt.value)
                if isinstance(bases, str) or all(isinstance(b, str) for b in bases):
                    return bases
            except (ValueError, TypeError):
                pass
            raise ValueError(f'{name}, line {stmt.lineno}: _base_ must be a string or a list '
                             'of strings (paths relative to this file)')
    return []


def _line_map(tree):
    """``{'model.backbone.depth': line}`` for every key a .py config spells out as a literal."""
    lines = {}

    def visit(node, prefix):
        if isinstance(node, ast.Call) and getattr(node.func, 'id', None) == 'dict':
            pairs = [(kw.arg, kw.value) for kw in node.keywords if kw.arg]
        elif isinstance(node, ast.Dict):
            pairs = [(k.value, v) for k, v in zip(node.keys, node.values)
                     if isinstance(k, ast.Constant) and isinstance(k.value, str)]
        else:
            return
        for key, value in pairs:
            lines[prefix + key] = value.lineno
            visit(value, prefix + key + '.')

    for stmt in tree.body:
        targets = getattr(stmt, 'targets', None) or [getattr(stmt, 'target', None)]
        for target in targets:
            if isinstance(target, ast.Name) and getattr(stmt, 'value', None) is not None:
                lines[target.id] = stmt.lineno
                visit(stmt.value, target.id + '.')
    return lines


def _read_data(text, suffix, name):
    if suffix == '.json':
        try:
            data = json.loads(text)
        except ValueError as error:
            raise ValueError(f'{name} is not valid JSON: {error}') from None
    else:
        try:
            import yaml
        except ImportError:
            raise ImportError(f'reading {name} needs PyYAML: pip install pyyaml') from None
        try:
            data = yaml.safe_load(text)
        except yaml.YAMLError as error:   # !!python/... tags land here: YAML configs are data
            raise ValueError(f'{name} is not a plain-data YAML config: {error}') from None
    if not isinstance(data, (dict, type(None))):
        raise TypeError(f'{name} must hold a mapping at the top, got {type(data).__name__}')
    return data or {}


def _is_config_value(key, value):
    kinds = (type(os), type(_is_config_value), type(len))   # module, function, builtin
    return not key.startswith('__') and not isinstance(value, kinds)


def _resolve(base, ref, name):
    """The value ``{{_base_.a.b}}`` stands for, in the merged base config."""
    node, done = base, '_base_'
    for part in ref.split('.'):
        if isinstance(node, dict) and part in node:
            node = node[part]
        elif isinstance(node, (list, tuple)) and part.isdigit() and int(part) < len(node):
            node = node[int(part)]
        else:
            why = 'there is no _base_' if not base else _missing_key(node, part, done) \
                if isinstance(node, dict) else f'{done} is a {type(node).__name__}'
            raise KeyError(f'{{{{_base_.{ref}}}}} in {name}: no {ref!r} in the base configs '
                           f'({why})')
        done += '.' + part
    return node


def _resolve_data_refs(value, values):
    """Put the base values in place of the ``__base_refN__`` placeholders of a data file."""
    if isinstance(value, str) and value.strip() in values:
        return copy.deepcopy(values[value.strip()])
    if isinstance(value, dict):
        return {key: _resolve_data_refs(item, values) for key, item in value.items()}
    if isinstance(value, list):
        return [_resolve_data_refs(item, values) for item in value]
    return value


# ---------------------------------------------------------------- merging, provenance, warnings
def _merge(base, child, strict=False, locate=str, prefix=''):
    """A new dict: ``child`` merged into ``base`` (child wins; ``_delete_=True`` replaces).

    Pure: neither input changes. ``strict`` (file inheritance, as mmcv): a dict over a base
    value that is not a dict is a TypeError unless it says ``_delete_=True``; overrides
    (``merge_from_dict``) may replace it. ``locate(key)`` names where a key was written.
    """
    out = dict(base)
    for key, value in child.items():
        path, old = f'{prefix}{key}', base.get(key)
        if not isinstance(value, dict):
            out[key] = value
            continue
        replace = bool(value.get('_delete_', False))
        if strict and key in base and not isinstance(old, dict) and not replace:
            raise TypeError(f'{locate(path)}: {path} is a dict here but {type(old).__name__} '
                            f'({old!r}) in the base config, so it cannot be merged; add '
                            '_delete_=True to replace the base value')
        below = old if isinstance(old, dict) and not replace else {}
        out[key] = _merge(below, _without_delete(value), strict, locate, path + '.')
    return out


def _without_delete(value):
    return {key: item for key, item in value.items() if key != '_delete_'}


def _overlay(base, child, prefix=''):
    """``(key, base value, child value)`` for each key a merge of ``child`` visits, outer keys
    first; a child dict that replaces what was there (``_delete_``, or no dict) gets None."""
    for key, value in child.items():
        path, old = f'{prefix}{key}', base.get(key)
        if isinstance(value, dict):
            if value.get('_delete_', False) or not isinstance(old, dict):
                old = None
            value = _without_delete(value)
            yield path, old, value
            yield from _overlay(old or {}, value, path + '.')
        else:
            yield path, old, value


def _track(prov, base, child, locate, prefix=''):
    """Provenance of merging ``child`` over ``base``: ``prov`` maps each leaf key to the
    ``(where, value)`` records that set it, base first; a replaced subtree forgets its past."""
    for path, old, value in _overlay(base, child, prefix):
        if isinstance(value, dict):
            if old is None:
                _forget(prov, path, keep_leaf=False)
                if not value:   # an empty dict is a leaf
                    prov.setdefault(path, []).append((locate(path), value))
        else:
            _forget(prov, path, keep_leaf=not isinstance(old, dict))
            prov.setdefault(path, []).append((locate(path), value))


def _where(source, lines, path):
    while path and path not in lines:
        path = path.rpartition('.')[0]
    return f'{source}, line {lines[path]}' if path else source


def _forget(prov, path, keep_leaf):
    for key in [k for k in prov if k.startswith(path + '.') or (k == path and not keep_leaf)]:
        del prov[key]


def _warn_type_changes(base, child, source, lines, prefix=''):
    """Trap 1: a new ``type``/``policy`` without ``_delete_`` keeps the old type's arguments."""
    for path, old, new in _overlay(base, child, prefix):
        if not (isinstance(new, dict) and isinstance(old, dict)):
            continue
        for switch in ('type', 'policy'):
            kept = [key for key in old if key not in new and key != switch]
            if switch in old and switch in new and old[switch] != new[switch] and kept:
                _warn(f'{source}: {path}.{switch} changes from {old[switch]!r} to '
                      f'{new[switch]!r} but keeps {kept} from the base config; add '
                      f'_delete_=True to {path} if {new[switch]!r} does not take them',
                      source, lines.get(path))


def _warn_stale_variables(base, own, merged, prov, name, lines):
    """Trap 2: a child redefines a variable (``train_pipeline``) that base values copied."""
    for var, new in own.items():
        old = base.get(var)
        if var not in base or new == old or not isinstance(old, (list, tuple, dict, str)):
            continue
        stale = [path for path in _paths_holding(merged, old)
                 if path.partition('.')[0] != var and not _has_path(own, path)]
        for path in stale:
            setter = next((records[-1][0] for key, records in prov.items()
                           if key == path or key.startswith(path + '.')), 'a base config')
            _warn(f'{name} redefines {var!r}, but {path} (set by {setter}) still holds the '
                  f'old {var!r}: a variable is copied when its file runs; set {path} in '
                  f'{name} too if it should use the new one', name, lines.get(var))


def _paths_holding(node, target, prefix=''):
    items = node.items() if isinstance(node, dict) else \
        enumerate(node) if isinstance(node, (list, tuple)) else ()
    for key, value in items:
        if type(value) is type(target) and value == target:
            yield f'{prefix}{key}'
        else:
            yield from _paths_holding(value, target, f'{prefix}{key}.')


def _has_path(node, path):
    for part in path.split('.'):
        if not isinstance(node, dict) or part not in node:
            return False
        node = node[part]
    return True


def _import_custom_modules(spec, filename):
    """``custom_imports=dict(imports=[...], allow_failed_imports=False)``: import each module."""
    imports = spec.get('imports', [])
    for module in [imports] if isinstance(imports, str) else imports:
        try:
            importlib.import_module(module)
        except ImportError as error:
            message = f'custom_imports in {filename}: cannot import {module!r} ({error})'
            if not spec.get('allow_failed_imports', False):
                raise ImportError(message, name=module) from error
            _warn(message + '; skipped because allow_failed_imports=True')


# ---------------------------------------------------------------- the Config
class Config(MutableMapping):
    """A loaded config: a ConfigDict, plus its file, its text, and who set each value."""

    def __init__(self, cfg_dict=None, filename=None, text=None):
        cfg_dict = {} if cfg_dict is None else cfg_dict
        if not isinstance(cfg_dict, dict):
            raise TypeError(f'cfg_dict must be a dict, got {type(cfg_dict).__name__}')
        for key in ('filename', 'text', 'pretty_text'):
            if key in cfg_dict:
                raise KeyError(f'{key!r} is reserved for Config itself; rename that config key')
        if text is None and filename is not None and os.path.isfile(filename):
            with open(filename, encoding='utf-8') as f:
                text = f.read()
        self.__dict__.update(_cfg_dict=ConfigDict(cfg_dict), _provenance=None,
                             _filename=None if filename is None else str(filename),
                             _text=text or '')

    @staticmethod
    def fromfile(filename, use_predefined_variables=True, import_custom_modules=True):
        """Load a .py / .json / .yaml config, its ``_base_`` files first.

        ``use_predefined_variables``: replace ``{{fileDirname}}``, ``{{fileBasename}}``,
        ``{{fileBasenameNoExtension}}`` and ``{{fileExtname}}`` in each file's text.
        """
        cfg_dict, prov, texts = _load_file(filename, predefined=use_predefined_variables)
        return Config._made(cfg_dict, prov, str(filename), '\n'.join(texts), import_custom_modules)

    @staticmethod
    def fromstring(text, file_format='.py', base_dir=None):
        """Load a config from its text; ``_base_`` paths are relative to ``base_dir``
        (default: the working directory), as if the text were a file there."""
        suffix = ('' if file_format.startswith('.') else '.') + file_format.lower()
        if suffix not in _SUFFIXES:
            raise ValueError(f'unsupported config format {file_format!r}; use one of {_SUFFIXES}')
        base_dir = os.path.abspath(base_dir if base_dir is not None else os.getcwd())
        cfg_dict, prov, _ = _load_text(text, suffix, f'<string{suffix}>', base_dir, ())
        return Config._made(cfg_dict, prov, None, text, True)

    @staticmethod
    def _made(cfg_dict, prov, filename, text, import_custom_modules):
        if import_custom_modules and cfg_dict.get('custom_imports'):
            _import_custom_modules(cfg_dict['custom_imports'], filename or '<string>')
        cfg = Config(cfg_dict, filename=filename, text=text)
        cfg.__dict__['_provenance'] = prov
        return cfg

    filename = property(lambda self: self._filename, doc='The path the config was loaded from.')
    text = property(lambda self: self._text,
                    doc="Each file's absolute path and text, base files first (as mmcv).")

    @property
    def pretty_text(self):
        """The config as Python source that ``Config.fromstring`` loads back to the same values."""
        lines = []
        for key, value in self._cfg_dict.items():
            target = key if _is_name(key) else f'globals()[{key!r}]'
            lines.append(f'{target} = {_format(value, 0, len(target) + 3)}')
        return '\n'.join(lines) + '\n'

    def dump(self, file=None):
        """Write the config to ``file`` (.py, .json or .yaml by suffix), or return the text."""
        suffix = os.path.splitext(str(file or self._filename or '.py'))[1].lower()
        if suffix in ('.py', ''):
            text = self.pretty_text
        elif suffix == '.json':
            text = json.dumps(_plain(self._cfg_dict, True))   # one line, as mmcv
        elif suffix in ('.yaml', '.yml'):
            import yaml
            text = yaml.safe_dump(_plain(self._cfg_dict, True), sort_keys=False)
        else:
            raise ValueError(f'cannot dump a config to {file}: unsupported suffix {suffix!r}')
        if file is None:
            return text
        with open(file, 'w', encoding='utf-8') as f:
            f.write(text)

    def merge_from_dict(self, options, allow_list_keys=True, source='merge_from_dict'):
        """Apply overrides with dotted keys, as ``--cfg-options`` does: an integer indexes a list
        (``allow_list_keys=False`` makes that a TypeError, as mmcv).

        ``{'model.backbone.depth': 18, 'data.train.pipeline.1.flip_prob': 0.0}``
        """
        prov = self._records()
        for key, value in options.items():
            top = key.partition('.')[0]
            close = difflib.get_close_matches(top, list(self._cfg_dict), 1, 0.75)
            if top not in self._cfg_dict and close:   # trap 3: a typo makes a new key
                _warn(f'{source} {key}: {top!r} is a new top-level key; '
                      f'did you mean {close[0]!r}?')
            parent, _, last = key.rpartition('.')
            node = self._cfg_dict
            for part in parent.split('.') if parent else []:
                node = _step(node, part, key, create=True, lists=allow_list_keys)
            if isinstance(node, list) and not allow_list_keys:
                raise TypeError(f'{key}: {parent} is a list; pass allow_list_keys=True to '
                                'index it with an integer key')
            slot = _index(node, last, key) if isinstance(node, list) else last
            holder = {last: node[slot]} if isinstance(node, list) else node
            where, prefix = f'{source} {key}={value!r}', parent + '.' if parent else ''
            _track(prov, holder, {last: value}, lambda path: where, prefix)
            _warn_type_changes(holder, {last: value}, where, {}, prefix)
            merged = _merge(holder, {last: value})[last]
            node[slot] = _to_config_dict(merged)   # a dict put into a list reads as cfg.a[0].b too

    def explain(self, key):
        """Which file and line (or override) set ``key``, and the chain of files before it."""
        value, prov = _lookup(self._cfg_dict, key, self._filename), self._records()
        lines = [f'{key} = {_short(value)}']
        records = prov.get(key)
        if records:
            lines.append(f'  set by {records[-1][0]}')
            if len(records) > 1:
                lines.append('  inherited chain (base first):')
                lines += [f'    {_short(old, 30):<30}  <- {where}' for where, old in records]
            if records[-1][1] != value:
                lines.append('  changed by code after loading: the value now differs')
            return '\n'.join(lines)
        parent = next((p for p in _prefixes(key) if p in prov), None)
        if parent:
            lines.append(f'  inside {parent}, set by {prov[parent][-1][0]}')
        lines += [f'  {k} set by {r[-1][0]}' for k, r in prov.items() if k.startswith(key + '.')]
        return '\n'.join(lines if len(lines) > 1 else lines + ['  set after loading (no record)'])

    def _records(self):
        if self._provenance is None:   # built from a dict: that dict set every value
            self.__dict__['_provenance'] = {}
            given = 'the dict given to Config()'
            _track(self._provenance, {}, self._cfg_dict, lambda path: given)
        return self._provenance

    def to_dict(self):
        """The config as plain nested dicts."""
        return _plain(self._cfg_dict)

    def __getattr__(self, name):
        cfg = self.__dict__.get('_cfg_dict')
        if cfg is None or name.startswith('__'):
            raise AttributeError(name)
        try:
            return cfg[name]
        except KeyError:
            where = f'config {self._filename}' if self._filename else 'the config'
            raise AttributeError(_missing_key(cfg, name, where)) from None

    def __setattr__(self, name, value):
        self._cfg_dict[name] = value

    def __getitem__(self, name):
        return self._cfg_dict[name]

    def __setitem__(self, name, value):
        self._cfg_dict[name] = value

    def __delitem__(self, name):
        del self._cfg_dict[name]

    def __iter__(self):
        return iter(self._cfg_dict)

    def __len__(self):
        return len(self._cfg_dict)

    def __repr__(self):
        return f'Config (path: {self._filename}): {dict.__repr__(self._cfg_dict)}'


def _step(node, part, key, create, lists=True):
    """One step down a dotted ``key``: into a dict (made if ``create``) or a list (an index)."""
    if isinstance(node, list):
        if not lists:
            raise TypeError(f'{key}: {part!r} would index a list; pass allow_list_keys=True')
        return node[_index(node, part, key)]
    if not isinstance(node, dict):
        raise KeyError(f'{key}: cannot look up {part!r} inside a {type(node).__name__}')
    if part not in node:
        if not create:
            raise KeyError(f'{key}: ' + _missing_key(node, part, 'that level'))
        node[part] = {}
    return node[part]


def _index(node, part, key):
    if not part.lstrip('-').isdigit() or not -len(node) <= int(part) < len(node):
        raise KeyError(f'{key}: {part!r} must index the list of {len(node)} items there')
    return int(part)


def _lookup(root, key, filename):
    node = root
    for part in key.split('.'):
        try:
            node = _step(node, part, key, create=False)
        except KeyError as error:
            raise KeyError(f'{error.args[0]} (config {filename})') from None
    return node


def _prefixes(key):
    while '.' in key:
        key = key.rpartition('.')[0]
        yield key


def _short(value, width=60):
    text = repr(value)
    return text if len(text) <= width else text[:width - 3] + '...'


# ---------------------------------------------------------------- pretty text
def _is_name(key):
    return isinstance(key, str) and key.isidentifier() and not keyword.iskeyword(key)


def _one_line(value):
    if isinstance(value, dict):
        if all(_is_name(key) for key in value):
            return 'dict(' + ', '.join(f'{k}={_one_line(v)}' for k, v in value.items()) + ')'
        return '{' + ', '.join(f'{_one_line(k)}: {_one_line(v)}' for k, v in value.items()) + '}'
    if type(value) in (list, tuple):
        inner = ', '.join(_one_line(item) for item in value)
        if type(value) is list:
            return f'[{inner}]'
        return f'({inner},)' if len(value) == 1 else f'({inner})'
    if isinstance(value, float) and not math.isfinite(value):
        return f"float('{value}')"
    return repr(value)


def _format(value, indent, used, width=79):
    """``value`` as source: one line if it fits after ``used`` columns, else one item a line."""
    text = _one_line(value)
    if indent + used + len(text) <= width or not value or \
            not isinstance(value, (dict, list, tuple)):
        return text
    pad = ' ' * (indent + 4)
    if isinstance(value, dict) and all(_is_name(key) for key in value):
        brackets = 'dict(', ')'
        items = [f'{pad}{k}={_format(v, indent + 4, len(k) + 2)}' for k, v in value.items()]
    elif isinstance(value, dict):
        brackets = '{', '}'
        items = [f'{pad}{_one_line(k)}: {_format(v, indent + 4, len(_one_line(k)) + 3)}'
                 for k, v in value.items()]
    else:
        brackets = ('[', ']') if type(value) is list else ('(', ')')
        items = [f'{pad}{_format(item, indent + 4, 1)}' for item in value]
    return brackets[0] + '\n' + ',\n'.join(items) + ',\n' + ' ' * indent + brackets[1]


# ---------------------------------------------------------------- argparse
class DictAction(argparse.Action):
    """``--cfg-options k=v k2=v2``: values become int, float, bool, None, str, lists or tuples.

    A value that does not parse (unbalanced brackets) is an argparse error naming the option,
    where mmcv fails an ``assert``.
    """

    def __init__(self, option_strings, dest, nargs='+', **kwargs):
        super().__init__(option_strings, dest, nargs=nargs, **kwargs)

    def __call__(self, parser, namespace, values, option_string=None):
        options = dict(getattr(namespace, self.dest, None) or {})
        for item in values:
            key, sep, text = item.partition('=')
            if not sep or not key:
                parser.error(f'{option_string} expects key=value, got {item!r}')
            try:
                options[key] = parse_value(text)
            except ValueError as error:
                parser.error(f'{option_string} {key}: {error}')
        setattr(namespace, self.dest, options)


_TOKEN = re.compile(r"""'[^']*'|"[^"]*"|[^,()\[\]'"]+""")   # a quoted string or a bare word


def parse_value(text):
    """An option's text as a value: ``'3'`` -> 3, ``'a,b'`` -> ['a', 'b'],
    ``'[(train,1),(val,1)]'`` -> [('train', 1), ('val', 1)], ``'true'`` -> True, ``'x'`` -> 'x'.
    """
    text = text.strip()
    if text[:1] not in ('[', '(') and ',' not in text:
        return _scalar(text)
    quote_words = lambda m: m.group() if m.group()[0] in '\'"' or not m.group().strip() \
        else repr(_scalar(m.group().strip()))   # noqa: E731
    try:
        items = ast.literal_eval('[' + _TOKEN.sub(quote_words, text) + ']')
    except (ValueError, SyntaxError):
        raise ValueError(f'cannot parse {text!r}: unbalanced brackets or quotes?') from None
    return items[0] if len(items) == 1 and not text.endswith(',') else items


def _scalar(text):
    for kind in (int, float):
        try:
            return kind(text)
        except ValueError:
            pass
    words = {'True': True, 'true': True, 'False': False, 'false': False, 'None': None}
    if text in words:
        return words[text]
    if len(text) >= 2 and text[0] == text[-1] and text[0] in '\'"':
        return text[1:-1]
    return text
