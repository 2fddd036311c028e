"""A registry maps a string to a class, so ``dict(type='ResNet', depth=50)`` becomes an object.

Standard library only: copy this file into your own project and it works there too.

    MODELS = Registry('models')

    @MODELS.register_module()
    class ResNet: ...

    net = MODELS.build(dict(type='ResNet', depth=50))   # == ResNet(depth=50)
"""
import difflib
import inspect
import re
import warnings

__all__ = ['Registry', 'build_from_cfg', 'MODELS', 'BACKBONES', 'NECKS', 'HEADS',
           'LOSSES', 'CLASSIFIERS', 'DATASETS', 'TRANSFORMS', 'PIPELINES', 'HOOKS',
           'OPTIMIZERS', 'OPTIMIZER_BUILDERS', 'RUNNERS', 'MODULE_WRAPPERS', 'build_runner']


class Registry:
    """A named table ``name -> class``; a child registry falls back to its ``parent``.

    ``scope`` (default: the top-level package of the module creating the registry, as mmcv)
    lets ``'scope.Name'`` reach a sibling registry through the common root, e.g.
    ``MODELS.get('mmcls.ResNet')``. ``build_func(cfg, registry=..., ...)`` replaces
    ``build_from_cfg`` (a child inherits its parent's). Deliberate difference from mmcv: an
    unscoped name a child does not have is looked up in its parents (mmcv returns None).
    """

    def __init__(self, name, parent=None, scope=None, build_func=None):
        self.name = name
        self.parent = parent
        self._module_dict = {}
        self._children = {}
        self._scope = scope if scope is not None else _caller_package()
        self.build_func = build_func or (parent.build_func if parent is not None
                                         else build_from_cfg)
        if parent is not None:
            if self._scope in parent._children:
                raise KeyError(f'scope {self._scope!r} already has a child registry under '
                               f'{parent.name!r}; give Registry(..., scope=...) another name')
            parent._children[self._scope] = self

    @property
    def module_dict(self):
        return self._module_dict

    @property
    def scope(self):
        return self._scope

    @property
    def children(self):
        return self._children

    @staticmethod
    def split_scope_key(key):
        """``'mmcls.ResNet'`` -> ``('mmcls', 'ResNet')``; ``'ResNet'`` -> ``(None, 'ResNet')``."""
        scope, dot, name = key.partition('.')
        return (scope, name) if dot else (None, key)

    def get(self, name):
        """The class registered as ``name`` (or ``'scope.name'``), else ``None`` (as mmcv)."""
        scope, key = self.split_scope_key(name)
        if scope is not None and scope != self._scope:
            if scope in self._children:
                return self._children[scope].get(key)
            root = self
            while root.parent is not None:
                root = root.parent
            return root.get(name) if root is not self else None
        registry = self
        while registry is not None:
            cls = registry._module_dict.get(key)
            if cls is not None:
                return cls
            registry = registry.parent
        return None

    def all_names(self):
        """Every name this registry can build, its parents' included."""
        names, registry = [], self
        while registry is not None:
            names.extend(registry._module_dict)
            registry = registry.parent
        return names

    def suggest(self, name, n=3):
        """The registered names closest to a misspelt ``name`` (case is ignored)."""
        lowered = {key.lower(): key for key in self.all_names()}
        close = difflib.get_close_matches(name.lower(), list(lowered), n=n, cutoff=0.6)
        return [lowered[key] for key in close]

    def register_module(self, name=None, force=False, module=None):
        """Register a class, as ``@REG.register_module()`` or ``REG.register_module(module=cls)``.

        ``name`` (a string or a list of aliases) defaults to the class name; taking a name
        that is already registered is a ``KeyError`` unless ``force=True``.
        """
        if inspect.isclass(name):      # the old forms: register_module(cls), @register_module
            return self.deprecated_register_module(name, force)
        if not isinstance(force, bool):
            raise TypeError(f'force must be a bool, got {type(force).__name__}')
        if name is not None and not isinstance(name, (str, list, tuple)):
            raise TypeError(f'name must be a str or a list of str, got {name!r}')
        if module is not None:
            self._register(module, name, force)
            return module

        def decorator(cls):
            self._register(cls, name, force)
            return cls
        return decorator

    def deprecated_register_module(self, cls=None, force=False):
        """mmcv's old form ``register_module(cls, force)`` (deprecated there too): warns."""
        warnings.warn('register_module(cls) is the old API; use @REG.register_module() or '
                      'REG.register_module(module=cls)', DeprecationWarning, stacklevel=3)
        if cls is None:
            return lambda cls: self.deprecated_register_module(cls, force)
        self._register(cls, None, force)
        return cls

    def _register(self, module, name, force):
        if not (inspect.isclass(module) or inspect.isfunction(module)):   # not a bound method
            raise TypeError(f'only classes and functions can be registered, got {module!r}')
        names = [module.__name__] if name is None else [name] if isinstance(name, str) else name
        for key in names:
            if not force and key in self._module_dict:
                taken = _qualname(self._module_dict[key])
                raise KeyError(f'{key!r} is already registered in the {self.name} registry '
                               f'(by {taken}); pass force=True to replace it')
            self._module_dict[key] = module

    def build(self, cfg, default_args=None):
        """Build an object from ``cfg``: ``cfg['type']`` picks the class, the rest are kwargs."""
        return self.build_func(cfg, registry=self, default_args=default_args)

    def __contains__(self, name):
        return self.get(name) is not None

    def __len__(self):
        return len(self._module_dict)

    def __repr__(self):
        """One module a line (mmcv prints one long dict: unreadable for 100 models)."""
        parent = f', parent={self.parent.name!r}' if self.parent is not None else ''
        lines = [f'Registry(name={self.name!r}, {len(self)} modules{parent})']
        width = max((len(key) for key in self._module_dict), default=0)
        for key, module in sorted(self._module_dict.items()):
            lines.append(f'  {key:<{width}}  {_qualname(module)}')
        return '\n'.join(lines)


def build_from_cfg(cfg, registry, default_args=None):
    """Pop ``type`` from a copy of ``cfg``, look it up in ``registry`` and call it with the rest.

    ``type`` may be a registered name or the class itself; ``default_args`` fill keys that
    ``cfg`` leaves out. A failing constructor re-raises its own exception type with the
    class name and the cfg added to the message.
    """
    if not isinstance(cfg, dict):
        raise TypeError(f'cfg must be a dict, but got {type(cfg).__name__}: {cfg!r}')
    if not isinstance(registry, Registry):
        raise TypeError(f'registry must be a Registry, but got {type(registry).__name__}')
    if default_args is not None and not isinstance(default_args, dict):
        raise TypeError(f'default_args must be a dict or None, but got {default_args!r}')
    args = dict(cfg)
    if default_args is not None:
        for key, value in default_args.items():
            args.setdefault(key, value)
    if 'type' not in args:
        raise KeyError(f'cfg must contain the key "type" naming what to build in the '
                       f'{registry.name} registry, but got {dict(cfg)!r}')
    obj_type = args.pop('type')
    if isinstance(obj_type, str):
        obj_cls = registry.get(obj_type)
        if obj_cls is None:
            raise KeyError(_unknown_type_message(obj_type, registry))
    elif callable(obj_type):
        obj_cls = obj_type
    else:
        raise TypeError(f'type must be a str or a class, but got {obj_type!r}')
    try:
        return obj_cls(**args)
    except Exception as error:
        if isinstance(error, TypeError):
            error = _unknown_argument(error, obj_cls, args) or error
        raise _with_context(error, obj_cls, cfg) from error


def _unknown_type_message(name, registry):
    close = registry.suggest(name)
    hint = f"; did you mean {' or '.join(repr(c) for c in close)}?" if close else ''
    return f'{name!r} is not in the {registry.name} registry{hint}'


def _unknown_argument(error, obj_cls, args):
    """A misspelt keyword of ``obj_cls`` -> TypeError "did you mean ...?" from its signature."""
    names, open_ended = argument_names(obj_cls)
    found = re.search(r"unexpected keyword argument '(\w+)'", str(error))
    unknown = [key for key in args if key not in names]   # 'depht' -> "missing 'depth'"
    if found is not None and found.group(1) in args:
        name = found.group(1)
    elif unknown and not open_ended and 'required' in str(error):
        name = unknown[0]
    else:
        return None
    error = TypeError(unknown_argument_message(name, names))
    error.context_shown = True     # says all there is to say: no cfg dump appended
    return error


def argument_names(obj_cls):
    """``(names, open_ended)``: the keywords ``obj_cls(...)`` takes, following ``**kwargs``
    into the base classes' ``__init__``; ``open_ended`` when the last one still has ``**kwargs``."""
    names, open_ended = [], False   # a list, not a set: the order of the signature
    for klass in getattr(obj_cls, '__mro__', [obj_cls]):
        init = klass.__dict__.get('__init__') if isinstance(obj_cls, type) else obj_cls
        if init is None or klass is object:
            continue
        try:
            params = inspect.signature(init).parameters.values()
        except (TypeError, ValueError):
            return names, True
        names += [p.name for p in params if p.kind in (p.POSITIONAL_OR_KEYWORD, p.KEYWORD_ONLY)
                  and p.name != 'self' and p.name not in names]
        open_ended = any(p.kind is p.VAR_KEYWORD for p in params)
        if not open_ended:
            break
    return names, open_ended


def unknown_argument_message(name, names, what='argument'):
    """"unknown argument 'detph'; did you mean 'depth'?" (else the list of ``names``)."""
    close = difflib.get_close_matches(str(name), list(names), n=2, cutoff=0.75)
    hint = f"did you mean {' or '.join(map(repr, close))}?" if close else \
        f"the {what}s are {', '.join(names)}"
    return f'unknown {what} {name!r}; {hint}'


def _with_context(error, obj_cls, cfg):
    """The same exception type, its message prefixed with the class and cfg that failed."""
    message = error.args[0] if len(error.args) == 1 and isinstance(error.args[0], str) \
        else str(error)
    # one line: str() of a KeyError shows its repr, so a newline would print as backslash-n
    name = obj_cls.__name__
    message = message[len(name) + 2:] if message.startswith(name + ': ') else message
    text = f'{name}: {message} (while building {name} from cfg {dict(cfg)!r})'
    if getattr(error, 'context_shown', False):   # an inner build (or the message) said it all
        text = f'{name} > {message}' if getattr(error, 'built_from_cfg', False) \
            else f'{name}: {message}'
    try:
        wrapped = type(error)(text)
    except Exception:  # an exception type whose constructor wants other arguments
        return error
    wrapped.context_shown = wrapped.built_from_cfg = True
    return wrapped


def _caller_package():
    """The top-level package of the module that called ``Registry(...)`` (mmcv's scope)."""
    frame = inspect.currentframe().f_back.f_back
    module = inspect.getmodule(frame)
    return module.__name__.split('.')[0] if module is not None else None


def _qualname(obj):
    return f'{getattr(obj, "__module__", "?")}.{getattr(obj, "__qualname__", repr(obj))}'


# The root registries. Models share one table, as in mmcls 0.x, under several names.
MODELS = Registry('models')
BACKBONES = NECKS = HEADS = LOSSES = CLASSIFIERS = MODELS
DATASETS = Registry('datasets')
TRANSFORMS = Registry('transforms')
PIPELINES = TRANSFORMS
HOOKS = Registry('hooks')
OPTIMIZERS = Registry('optimizers')   # every torch.optim optimizer: see cls_lab.engine.optimizer
OPTIMIZER_BUILDERS = Registry('optimizer builders')
RUNNERS = Registry('runners')
MODULE_WRAPPERS = Registry('module wrappers')   # DataParallel-like: .module is the model


def build_runner(cfg, default_args=None):
    """A runner from ``cfg['runner']``-style ``dict(type='EpochBasedRunner', max_epochs=12)``
    and the objects it runs (``model``, ``optimizer``, ``work_dir``, ``logger``), as mmcv."""
    return RUNNERS.build(cfg, default_args=default_args)
