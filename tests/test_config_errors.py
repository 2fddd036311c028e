"""Config errors and warnings: each names the file, key or value at fault."""
import json
import warnings

import pytest

from cls_lab.config import Config
from test_config import TUTORIAL, write


def test_missing_config_file_names_the_path(tmp_path):
    with pytest.raises(FileNotFoundError, match='nowhere.py'):
        Config.fromfile(tmp_path / 'nowhere.py')


def test_unsupported_suffix_names_it(tmp_path):
    write(tmp_path, {'cfg.toml': 'a = 1\n'})
    with pytest.raises(ValueError, match=r"'\.toml'.*cfg\.toml"):
        Config.fromfile(tmp_path / 'cfg.toml')


def test_missing_base_names_it_and_the_file_that_asked(tmp_path):
    write(tmp_path, {'child.py': "_base_ = ['../_base_/models/resnet5.py']\n"})
    with pytest.raises(FileNotFoundError) as info:
        Config.fromfile(tmp_path / 'child.py')
    assert 'resnet5.py' in str(info.value) and str(tmp_path / 'child.py') in str(info.value)


def test_syntax_error_names_the_file_and_line(tmp_path):
    bad = "_base_ = 'base.py'\nmodel = dict(\n    type='ResNet'\n    depth=50)\n"
    write(tmp_path, {'base.py': 'x = 1\n', 'bad.py': bad})
    with pytest.raises(SyntaxError) as info:
        Config.fromfile(tmp_path / 'bad.py')
    assert info.value.filename == str(tmp_path / 'bad.py') and info.value.lineno in (3, 4)
    assert 'bad.py' in str(info.value)


def test_a_syntax_error_in_a_base_names_the_base(tmp_path):
    write(tmp_path, {'base.py': 'x = = 1\n', 'child.py': "_base_ = 'base.py'\n"})
    with pytest.raises(SyntaxError) as info:
        Config.fromfile(tmp_path / 'child.py')
    assert info.value.filename == str(tmp_path / 'base.py') and info.value.lineno == 1


def test_base_cycle_is_reported_as_a_cycle(tmp_path):
    write(tmp_path, {'a.py': "_base_ = 'b.py'\n", 'b.py': "_base_ = 'c.py'\n",
                     'c.py': "_base_ = 'a.py'\n"})
    with pytest.raises(ValueError, match='cycle') as info:
        Config.fromfile(tmp_path / 'a.py')
    assert all(name in str(info.value) for name in ('a.py', 'b.py', 'c.py'))
    write(tmp_path, {'self.py': "_base_ = './self.py'\n"})
    with pytest.raises(ValueError, match=r'cycle.*self\.py -> .*self\.py'):
        Config.fromfile(tmp_path / 'self.py')


def test_two_bases_defining_one_key_is_an_error(tmp_path):
    write(tmp_path, {'a.py': 'model = dict(depth=50)\nlr = 1\n',
                     'b.py': 'model = dict(depth=18)\n', 'child.py': "_base_ = ['a.py', 'b.py']\n"})
    with pytest.raises(KeyError) as info:
        Config.fromfile(tmp_path / 'child.py')
    message = str(info.value)
    assert "'model'" in message and 'a.py' in message and 'b.py' in message


def test_unknown_base_reference_names_it_and_the_file(tmp_path):
    write(tmp_path, {'base.py': 'lr = 0.1\n',
                     'child.py': "_base_ = 'base.py'\nx = {{_base_.lrr}}\n",
                     'orphan.py': 'x = {{_base_.lr}}\n'})
    with pytest.raises(KeyError, match=r"lrr.*child\.py|child\.py.*lrr"):
        Config.fromfile(tmp_path / 'child.py')
    with pytest.raises(KeyError, match=r"orphan\.py.*no _base_"):
        Config.fromfile(tmp_path / 'orphan.py')


def test_base_must_be_literal_paths(tmp_path):
    write(tmp_path, {'child.py': "name = 'a.py'\n_base_ = name\n"})
    with pytest.raises(ValueError, match=r'child\.py, line 2.*_base_'):
        Config.fromfile(tmp_path / 'child.py')


def test_yaml_python_tags_are_refused(tmp_path):
    write(tmp_path, {'evil.yaml': 'x: !!python/object/apply:os.system ["echo pwned"]\n'})
    with pytest.raises(ValueError, match=r'evil\.yaml') as info:
        Config.fromfile(tmp_path / 'evil.yaml')
    assert 'python/object/apply' in str(info.value)


def test_bad_json_and_non_mapping_data_name_the_file(tmp_path):
    write(tmp_path, {'bad.json': '{"a": 1,}', 'list.yaml': '- 1\n- 2\n'})
    with pytest.raises(ValueError, match=r'bad\.json'):
        Config.fromfile(tmp_path / 'bad.json')
    with pytest.raises(TypeError, match=r'list\.yaml'):
        Config.fromfile(tmp_path / 'list.yaml')


def test_yaml_without_pyyaml_names_the_file(tmp_path, monkeypatch):
    import builtins
    real_import = builtins.__import__

    def no_yaml(name, *args, **kwargs):
        if name == 'yaml':
            raise ImportError('No module named yaml')
        return real_import(name, *args, **kwargs)

    write(tmp_path, {'cfg.yaml': 'a: 1\n'})
    monkeypatch.setattr(builtins, '__import__', no_yaml)
    with pytest.raises(ImportError, match=r'cfg\.yaml.*PyYAML'):
        Config.fromfile(tmp_path / 'cfg.yaml')
    monkeypatch.undo()
    assert Config.fromfile(tmp_path / 'cfg.yaml').a == 1


def test_a_runtime_error_in_a_config_points_at_its_line(tmp_path):
    write(tmp_path, {'cfg.py': 'a = 1\nb = undefined_name + 1\n'})
    with pytest.raises(NameError) as info:
        Config.fromfile(tmp_path / 'cfg.py')
    frames = [(tb.tb_frame.f_code.co_filename, tb.tb_lineno) for tb in _walk(info.tb)]
    assert (str(tmp_path / 'cfg.py'), 2) in frames


def _walk(tb):
    while tb is not None:
        yield tb
        tb = tb.tb_next


# ---------------------------------------------------------------- warnings for the usual traps
def test_type_change_without_delete_warns_about_surviving_keys(tmp_path):
    write(tmp_path, TUTORIAL)
    write(tmp_path, {'lbs.py': """
        _base_ = './resnet/resnet50_8xb32_in1k.py'
        model = dict(head=dict(loss=dict(type='LabelSmoothLoss', label_smooth_val=0.1)))
        """})
    with pytest.warns(UserWarning, match=r"model\.head\.loss\.type.*LabelSmoothLoss.*"
                                         r"loss_weight.*_delete_=True") as record:
        cfg = Config.fromfile(tmp_path / 'lbs.py')
    assert cfg.model.head.loss == dict(type='LabelSmoothLoss', loss_weight=1.0,
                                       label_smooth_val=0.1)
    assert record[0].filename == str(tmp_path / 'lbs.py') and record[0].lineno == 2


def test_policy_change_without_delete_warns_about_step(tmp_path):
    write(tmp_path, TUTORIAL)
    write(tmp_path, {'cos.py': """
        _base_ = './resnet/resnet50_8xb32_in1k.py'
        lr_config = dict(policy='CosineAnnealing', min_lr=0)
        """})
    with pytest.warns(UserWarning, match=r"lr_config\.policy.*'step'.*'CosineAnnealing'.*"
                                         r"\['step'\].*_delete_=True"):
        Config.fromfile(tmp_path / 'cos.py')


def test_delete_and_full_redefinition_do_not_warn(tmp_path):
    write(tmp_path, TUTORIAL)
    write(tmp_path, {'ok.py': """
        _base_ = './resnet/resnet50_8xb32_in1k.py'
        model = dict(head=dict(loss=dict(type='LabelSmoothLoss', loss_weight=1.0)))
        runner = dict(max_epochs=3)
        """})
    with warnings.catch_warnings():
        warnings.simplefilter('error')
        Config.fromfile(tmp_path / 'resnet/resnet50_coslr.py')
        Config.fromfile(tmp_path / 'resnet/resnet50_8xb32-300e_in1k.py')
        Config.fromfile(tmp_path / 'ok.py')


def test_redefined_intermediate_variable_warns_naming_both(tmp_path):
    write(tmp_path, TUTORIAL)
    write(tmp_path, {'small.py': """
        _base_ = './resnet/resnet50_8xb32_in1k.py'
        train_pipeline = [dict(type='LoadImageFromFile'), dict(type='Resize', size=32)]
        """})
    with pytest.warns(UserWarning, match=r"'train_pipeline'.*data\.train\.pipeline") as record:
        cfg = Config.fromfile(tmp_path / 'small.py')
    assert 'imagenet_bs32.py' in str(record[0].message)
    assert record[0].filename == str(tmp_path / 'small.py') and record[0].lineno == 2
    assert cfg.data.train.pipeline[1].type == 'RandomResizedCrop'   # the trap itself


def test_override_creating_a_new_top_level_key_suggests_the_close_one():
    cfg = Config(dict(runner=dict(max_epochs=100)))
    with pytest.warns(UserWarning, match=r"'runnner'.*did you mean 'runner'"):
        cfg.merge_from_dict({'runnner.max_epochs': 3})
    with warnings.catch_warnings():
        warnings.simplefilter('error')
        cfg.merge_from_dict({'work_dir': 'work_dirs/x', 'runner.max_epochs': 3})


def test_override_changing_a_type_warns_too():
    cfg = Config(dict(lr_config=dict(policy='step', step=[30])))
    with pytest.warns(UserWarning, match=r"--cfg-options.*lr_config\.policy"):
        cfg.merge_from_dict({'lr_config': dict(policy='CosineAnnealing')}, source='--cfg-options')


def test_json_config_keys_survive_dump_with_weird_names(tmp_path):
    write(tmp_path, {'w.json': json.dumps({'my-key': 1, 'class': dict(a=1), 'ok': {'1x': 2}})})
    cfg = Config.fromfile(tmp_path / 'w.json')
    assert Config.fromstring(cfg.pretty_text).to_dict() == cfg.to_dict()
