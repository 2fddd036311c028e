"""Registry: registration, lookup, building, parents, and errors that teach."""
import pytest

from cls_lab.registry import (BACKBONES, CLASSIFIERS, DATASETS, HEADS, HOOKS, LOSSES, MODELS,
                              NECKS, OPTIMIZER_BUILDERS, OPTIMIZERS, PIPELINES, RUNNERS,
                              TRANSFORMS, Registry, build_from_cfg)


class Net:
    def __init__(self, depth, width=1):
        if depth <= 0:
            raise ValueError(f'depth must be positive, got {depth}')
        self.depth, self.width = depth, width


def make_registry():
    reg = Registry('models')
    reg.register_module(module=Net)
    return reg


def test_decorator_and_call_forms_register():
    reg = Registry('things')

    @reg.register_module()
    class A:
        pass

    @reg.register_module(name='Bee')
    class B:
        pass

    reg.register_module(module=Net, name=['Net', 'NetAlias'])
    assert reg.get('A') is A and reg.get('Bee') is B
    assert reg.get('Net') is Net and reg.get('NetAlias') is Net
    assert 'A' in reg and 'B' not in reg and len(reg) == 4
    assert reg.get('missing') is None


def test_build_from_name_and_class():
    reg = make_registry()
    net = reg.build(dict(type='Net', depth=50))
    assert isinstance(net, Net) and net.depth == 50 and net.width == 1
    net = build_from_cfg(dict(type=Net, depth=18, width=2), reg)
    assert (net.depth, net.width) == (18, 2)


def test_build_does_not_change_cfg_and_uses_default_args():
    reg = make_registry()
    cfg = dict(type='Net', depth=3)
    net = reg.build(cfg, default_args=dict(width=7, depth=99))
    assert cfg == dict(type='Net', depth=3)
    assert (net.depth, net.width) == (3, 7)
    net = reg.build(dict(depth=4), default_args=dict(type='Net'))
    assert net.depth == 4


def test_unknown_type_suggests_closest_name():
    reg = Registry('models')

    @reg.register_module()
    class ResNet_CIFAR:
        pass

    with pytest.raises(KeyError) as info:
        reg.build(dict(type='ResNetCIFAR'))
    message = str(info.value)
    assert "'ResNetCIFAR' is not in the models registry" in message
    assert "did you mean 'ResNet_CIFAR'?" in message


def test_unknown_type_without_close_names():
    reg = make_registry()
    with pytest.raises(KeyError, match="'Transformer' is not in the models registry"):
        reg.build(dict(type='Transformer'))


def test_cfg_not_a_dict_or_without_type():
    reg = make_registry()
    with pytest.raises(TypeError, match='cfg must be a dict, but got list'):
        reg.build([('type', 'Net')])
    with pytest.raises(KeyError, match='must contain the key "type"'):
        reg.build(dict(depth=3))
    with pytest.raises(TypeError, match='type must be a str or a class'):
        reg.build(dict(type=3))


def test_failing_constructor_keeps_type_and_names_class_and_cfg():
    reg = make_registry()
    with pytest.raises(ValueError) as info:
        reg.build(dict(type='Net', depth=-1))
    message = str(info.value)
    assert message.startswith('Net: depth must be positive, got -1')
    assert "'depth': -1" in message
    assert isinstance(info.value.__cause__, ValueError)
    with pytest.raises(TypeError, match=r"^Net: unknown argument 'dpeth'; did you mean 'depth'\?$"):
        reg.build(dict(type='Net', dpeth=3))


def test_taken_name_needs_force():
    reg = make_registry()

    class Other:
        pass

    with pytest.raises(KeyError, match="'Net' is already registered in the models registry"):
        reg.register_module(name='Net', module=Other)
    reg.register_module(name='Net', module=Other, force=True)
    assert reg.get('Net') is Other
    with pytest.raises(TypeError):
        reg.register_module(force=1)
    with pytest.raises(TypeError):
        reg.register_module(module=3)


def test_child_falls_back_to_parent():
    parent = make_registry()
    child = Registry('my models', parent=parent)

    @child.register_module()
    class Head:
        pass

    assert child.get('Net') is Net and 'Net' in child
    assert parent.get('Head') is None
    assert isinstance(child.build(dict(type='Net', depth=1)), Net)
    assert set(child.all_names()) == {'Head', 'Net'}


def test_repr_is_a_table_of_names():
    reg = make_registry()
    text = repr(reg)
    assert text.splitlines()[0] == "Registry(name='models', 1 modules)"
    assert 'Net' in text and 'test_registry.Net' in text


def test_root_registries_and_aliases():
    assert BACKBONES is NECKS is HEADS is LOSSES is CLASSIFIERS is MODELS
    assert PIPELINES is TRANSFORMS
    names = {r.name for r in (MODELS, DATASETS, TRANSFORMS, HOOKS, OPTIMIZERS,
                              OPTIMIZER_BUILDERS, RUNNERS)}
    assert len(names) == 7


def test_nested_build_error_reads_on_one_line():
    """str() of a KeyError is its repr: the context must not add a newline that shows as '\\n'."""
    outer = Registry('outer')

    @outer.register_module()
    class Holder:
        def __init__(self, inner):
            self.inner = outer.build(inner)

    with pytest.raises(KeyError) as info:
        outer.build(dict(type='Holder', inner=dict(type='Missing')))
    text = str(info.value)
    assert '\\n' not in text and '\n' not in text
    assert "'Missing' is not in the outer registry" in text and 'while building Holder' in text
