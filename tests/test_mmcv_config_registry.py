"""Config, Registry and checkpoint-meta behaviour that mmcv 1.7 configs and code rely on.

The expected values were recorded by loading the same files with mmcv 1.7.2's Config.
"""
import warnings

import pytest
import torch
import torch.nn as nn

from cls_lab.config import Config, read_bases
from cls_lab.engine.checkpoint import get_state_dict, save_checkpoint
from cls_lab.registry import Registry, build_from_cfg


@pytest.fixture
def files(tmp_path):
    (tmp_path / 'base.py').write_text("item = dict(a=1, b=None)\nname = 'base'\n"
                                      "lst = [dict(x=1), dict(x=2)]\n")
    (tmp_path / 'my.cfg.py').write_text(
        "_base_ = './base.py'\nwork_dir = './work_dirs/{{ fileBasenameNoExtension }}'\n"
        "where = '{{fileDirname}}'\nbase_name = '{{ fileBasename }}'\next = '{{fileExtname}}'\n"
        "_deprecation_ = dict(expected='new.py', reference='https://example.com')\n")
    (tmp_path / 'bad.py').write_text("_base_ = './base.py'\nname = dict(x=1)\n")
    (tmp_path / 'data.yaml').write_text('_base_: ./base.py\ncopied: {{ _base_.item.a }}\n')
    (tmp_path / 'data.json').write_text('{"_base_": "./base.py", "copied": {{ _base_.name }}}')
    return tmp_path


def test_predefined_variables_and_deprecation(files):
    with pytest.warns(DeprecationWarning, match='Please use new.py instead'):
        cfg = Config.fromfile(files / 'my.cfg.py')
    # mmcv 1.7.2: ['./work_dirs/my.cfg', <the folder>, 'my.cfg.py', '.py'], no _deprecation_ key
    assert [cfg.work_dir, cfg.where, cfg.base_name, cfg.ext] == \
        ['./work_dirs/my.cfg', str(files), 'my.cfg.py', '.py']
    assert '_deprecation_' not in cfg
    with warnings.catch_warnings():
        warnings.simplefilter('ignore', DeprecationWarning)
        raw = Config.fromfile(files / 'my.cfg.py', False)     # mmcv's argument order
    assert raw.work_dir == './work_dirs/{{ fileBasenameNoExtension }}'


def test_base_refs_in_data_files_and_strict_inheritance(files):
    assert Config.fromfile(files / 'data.yaml').copied == 1
    assert Config.fromfile(files / 'data.json').copied == 'base'
    with pytest.raises(TypeError, match='name is a dict here but str'):
        Config.fromfile(files / 'bad.py')


def test_merge_from_dict_list_keys_and_fromstring_base_dir(files):
    cfg = Config.fromfile(files / 'base.py')
    cfg.merge_from_dict({'lst.1.x': 5})
    assert cfg.lst[1].x == 5
    with pytest.raises(TypeError, match='allow_list_keys'):
        cfg.merge_from_dict({'lst.0.x': 5}, allow_list_keys=False)
    text = "_base_ = ['./base.py']\nname = 'child'\n"
    assert read_bases(text) == (['./base.py'], ['name'])
    assert Config.fromstring(text, '.py', base_dir=files).item.a == 1


def test_registry_old_forms_scope_and_type_checks():
    parent = Registry('things', scope='root')
    child = Registry('things', parent=parent, scope='lab')
    with pytest.warns(DeprecationWarning):
        @child.register_module
        class Cat:
            pass
    with pytest.warns(DeprecationWarning):
        child.register_module(type('Dog', (), {}))
    assert parent.get('lab.Cat') is Cat and child.get('lab.Cat') is Cat
    assert Registry.split_scope_key('lab.Cat') == ('lab', 'Cat')
    assert Registry('local').scope == __name__.split('.')[0]       # inferred, as mmcv
    with pytest.raises(TypeError):
        build_from_cfg(dict(type='Cat'), 'not a registry')
    with pytest.raises(TypeError):
        build_from_cfg(dict(type='Cat'), child, default_args=[1])


class Named(nn.Module):
    CLASSES = ('cat', 'dog')

    def __init__(self):
        super().__init__()
        self.inner = nn.DataParallel(nn.Linear(2, 2))


def test_checkpoint_meta_and_wrapped_submodules(tmp_path):
    model = Named()
    model.cfg = Config(dict(a=1))
    assert list(get_state_dict(model)) == ['inner.weight', 'inner.bias']    # mmcv's keys
    save_checkpoint(model, str(tmp_path / 'c.pth'))
    meta = torch.load(tmp_path / 'c.pth', weights_only=True)['meta']
    assert meta['CLASSES'] == ('cat', 'dog') and meta['config'] == 'a = 1\n'   # a tuple stays one
    with pytest.raises(TypeError, match='meta must be a dict'):
        save_checkpoint(model, str(tmp_path / 'd.pth'), meta=[1])


def test_merge_is_pure_and_provenance_is_its_own_pass():
    from cls_lab.config import _merge, _track
    base = dict(model=dict(type='A', depth=50, neck=dict(c=1)), lr=0.1)
    child = dict(model=dict(depth=18, neck=dict(_delete_=True, d=2)))
    before = repr(base), repr(child)
    merged = _merge(base, child, strict=True)
    assert merged == dict(model=dict(type='A', depth=18, neck=dict(d=2)), lr=0.1)
    assert (repr(base), repr(child)) == before           # neither input changed
    prov = {}
    _track(prov, {}, base, lambda key: 'base.py')
    _track(prov, base, child, lambda key: 'child.py')
    assert prov == {'model.type': [('base.py', 'A')], 'lr': [('base.py', 0.1)],
                    'model.depth': [('base.py', 50), ('child.py', 18)],
                    'model.neck.d': [('child.py', 2)]}   # _delete_ forgot neck.c


def test_config_text_dump_and_syntax_error_as_mmcv(files):
    with pytest.warns(DeprecationWarning):
        cfg = Config.fromfile(files / 'my.cfg.py')
    base, child = str(files / 'base.py'), str(files / 'my.cfg.py')   # absolute, base first
    assert cfg.text == f"{base}\n{open(base).read()}\n{child}\n{open(child).read()}"
    assert Config(dict(a=[1, 2], b='x')).dump(str(files / 'o.json')) is None
    assert (files / 'o.json').read_text() == '{"a": [1, 2], "b": "x"}'   # json.dumps, one line
    (files / 'image.jpg').write_bytes(b'\xff\xd8')
    with pytest.raises(IOError, match="unsupported config suffix '.jpg'"):   # mmcv: IOError
        Config.fromfile(files / 'image.jpg')
    (files / 'syntax.py').write_text('a=0b=dict(c=1)')
    with pytest.raises(SyntaxError, match='There are syntax errors in config file .*syntax.py'):
        Config.fromfile(files / 'syntax.py')


def test_module_wrappers_build_runner_and_local_checkpoints(tmp_path, monkeypatch):
    from cls_lab.engine.checkpoint import load_from_local
    from cls_lab.engine.optimizer import TORCH_OPTIMIZERS
    from cls_lab.registry import MODULE_WRAPPERS, RUNNERS, build_runner

    @MODULE_WRAPPERS.register_module(force=True)
    class MyWrapper:                       # any class whose .module is the model, as in mmcv
        def __init__(self, module):
            self.module = module

    model = Named()
    assert list(get_state_dict(MyWrapper(model))) == ['inner.weight', 'inner.bias']
    monkeypatch.setenv('HOME', str(tmp_path))
    save_checkpoint(model, str(tmp_path / 'c.pth'))
    assert list(load_from_local('~/c.pth')['state_dict']) == ['inner.weight', 'inner.bias']
    assert {'SGD', 'AdamW', 'Optimizer'} <= set(TORCH_OPTIMIZERS)   # mmcv lists the base too

    class Toy(nn.Module):
        def train_step(self, data, optimizer):
            return {}

    runner = build_runner(dict(type='EpochBasedRunner', max_epochs=2),
                          default_args=dict(model=Toy(), work_dir=None))
    assert type(runner) is RUNNERS.get('EpochBasedRunner') and runner.max_epochs == 2


def test_load_checkpoint_with_prefix(tmp_path):
    from cls_lab.engine.checkpoint import _load_checkpoint_with_prefix
    model = nn.Sequential(nn.Linear(1, 2), nn.Linear(2, 1))
    torch.save(model.state_dict(), tmp_path / 'm.pth')
    state = _load_checkpoint_with_prefix('1', str(tmp_path / 'm.pth'))
    assert list(state) == ['weight', 'bias'] and torch.equal(state['weight'], model[1].weight)
    with pytest.raises(KeyError, match="no key starts with 'back.'"):
        _load_checkpoint_with_prefix('back', str(tmp_path / 'm.pth'))


def test_registry_rejects_bound_methods_and_keeps_deprecated_register_module():
    cats = Registry('cats')

    class Demo:
        def method(self):
            pass

    with pytest.raises(TypeError, match='only classes and functions'):
        cats.register_module(name='method', module=Demo().method)   # mmcv: classes, functions
    with pytest.warns(DeprecationWarning, match='old API'):
        assert cats.deprecated_register_module(Demo) is Demo
    with pytest.warns(DeprecationWarning):
        cats.deprecated_register_module(force=True)(Demo)
    assert cats.get('Demo') is Demo
