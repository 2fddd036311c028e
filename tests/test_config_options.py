"""Config overrides (merge_from_dict, --cfg-options), pretty_text, dump, explain, print-config."""
import argparse
import json

import pytest
import yaml

from cls_lab.config import Config, ConfigDict, DictAction
from test_config import TUTORIAL, write


@pytest.fixture
def cfg(tmp_path):
    write(tmp_path, TUTORIAL)
    return Config.fromfile(tmp_path / 'resnet/resnet50_8xb32-300e_in1k.py')


# ---------------------------------------------------------------- merge_from_dict
def test_merge_from_dict_dotted_keys_and_list_indices(cfg):
    cfg.merge_from_dict({'model.backbone.depth': 18, 'data.train.pipeline.1.size': 128,
                         'data.train.pipeline.2.flip_prob': 0.0, 'optimizer.lr': 0.01})
    assert cfg.model.backbone.depth == 18 and cfg.model.backbone.num_stages == 4
    assert cfg.data.train.pipeline[1] == dict(type='RandomResizedCrop', size=128)
    assert cfg.data.train.pipeline[2].flip_prob == 0.0
    assert cfg.train_pipeline[2].flip_prob == 0.5        # the variable is a separate copy
    assert cfg.optimizer == dict(type='SGD', lr=0.01, momentum=0.9, weight_decay=0.0001)


def test_merge_from_dict_makes_missing_dicts_and_merges_dict_values(cfg):
    cfg.merge_from_dict({'model.train_cfg.augments.alpha': 0.2,
                         'model.head': dict(num_classes=10, loss=dict(loss_weight=2.0))})
    assert cfg.model.train_cfg == dict(augments=dict(alpha=0.2))
    assert isinstance(cfg.model.train_cfg.augments, ConfigDict)
    assert cfg.model.head.in_channels == 2048 and cfg.model.head.num_classes == 10
    assert cfg.model.head.loss == dict(type='CrossEntropyLoss', loss_weight=2.0)
    cfg.merge_from_dict({'lr_config': dict(_delete_=True, policy='Fixed')})
    assert cfg.lr_config == dict(policy='Fixed')
    cfg.merge_from_dict({'data.train.pipeline.1': dict(size=96), 'data.val.pipeline.-1': 'x'})
    assert cfg.data.train.pipeline[1] == dict(type='RandomResizedCrop', size=96)
    assert cfg.data.val.pipeline[-1] == 'x'


def test_merge_from_dict_errors_name_the_key(cfg):
    with pytest.raises(KeyError, match=r'data\.train\.pipeline\.9\.size.*9.*7 items'):
        cfg.merge_from_dict({'data.train.pipeline.9.size': 1})
    with pytest.raises(KeyError, match=r"data\.train\.pipeline\.x\.size.*'x'"):
        cfg.merge_from_dict({'data.train.pipeline.x.size': 1})
    with pytest.raises(KeyError, match=r"runner\.max_epochs\.x.*'x'.*int"):
        cfg.merge_from_dict({'runner.max_epochs.x.y': 1})


# ---------------------------------------------------------------- DictAction
def parse(*options):
    parser = argparse.ArgumentParser()
    parser.add_argument('--cfg-options', nargs='+', action=DictAction)
    return parser.parse_args(['--cfg-options', *options]).cfg_options


@pytest.mark.parametrize('text, value', [
    ('3', 3), ('-2', -2), ('0.5', 0.5), ('1e-4', 1e-4), ('True', True), ('true', True),
    ('False', False), ('false', False), ('None', None), ('pytorch', 'pytorch'), ('', ''),
    ("'3'", '3'), ('a,b,c', ['a', 'b', 'c']), ('1,2', [1, 2]), ('a,', ['a']),
    ('[(train,1),(val,1)]', [('train', 1), ('val', 1)]), ('[]', []), ('()', ()),
    ('(3,)', (3,)), ('[1,[2,(3,x)]]', [1, [2, (3, 'x')]]),
    ('(a,b),(c,d)', [('a', 'b'), ('c', 'd')]),
    ("['a,b',c]", ['a,b', 'c']), ('[True,None,0.1]', [True, None, 0.1]),
])
def test_dict_action_parses_values(text, value):
    parsed = parse(f'key={text}')['key']
    assert parsed == value and type(parsed) is type(value)


def test_dict_action_collects_several_options_and_flags():
    assert parse('a=1', 'b.c=x', 'workflow=[(train,1),(val,1)]') == {
        'a': 1, 'b.c': 'x', 'workflow': [('train', 1), ('val', 1)]}
    parser = argparse.ArgumentParser()
    parser.add_argument('--cfg-options', nargs='+', action=DictAction)
    args = parser.parse_args(['--cfg-options', 'a=1', '--cfg-options', 'b=2'])
    assert args.cfg_options == {'a': 1, 'b': 2}


@pytest.mark.parametrize('bad', ['novalue', '=3', 'a=[1,2', 'a=(1,2]]'])
def test_dict_action_rejects_malformed_options(bad, capsys):
    with pytest.raises(SystemExit):
        parse(bad)
    assert bad.split('=')[-1] in capsys.readouterr().err


def test_cfg_options_reach_the_config(cfg):
    cfg.merge_from_dict(parse('workflow=[(train,1),(val,1)]', 'model.backbone.norm_eval=False',
                              'data.train.pipeline.2.flip_prob=0.0'), source='--cfg-options')
    assert cfg.workflow == [('train', 1), ('val', 1)]
    assert cfg.model.backbone.norm_eval is False and cfg.data.train.pipeline[2].flip_prob == 0.0


# ---------------------------------------------------------------- pretty_text and dump
def test_pretty_text_loads_back_to_the_same_config(cfg):
    text = cfg.pretty_text
    assert Config.fromstring(text).to_dict() == cfg.to_dict()
    assert "model = dict(\n    type='ImageClassifier',\n" in text
    assert "    out_indices=(3,),\n" in text and 'workflow = [(\'train\', 1)]\n' in text
    assert all(len(line) <= 79 for line in text.splitlines())
    assert text == Config.fromstring(text).pretty_text          # deterministic, a fixed point


def test_pretty_text_of_unusual_values():
    cfg = Config({'a': {1: 'x', 'b-c': None}, 'inf': float('inf'), 'neg': -float('inf'),
                  'one': (1,), 'empty': dict(), 'nested': [[], (), {}], 'kw': dict(cls=1),
                  's': 'quote\'s "both"\n', 'long': list(range(40))})
    again = Config.fromstring(cfg.pretty_text)
    assert again.to_dict() == cfg.to_dict()
    assert "a = {1: 'x', 'b-c': None}" in cfg.pretty_text


def test_dump_by_suffix(cfg, tmp_path):
    cfg.dump(tmp_path / 'out.py')
    cfg.dump(tmp_path / 'out.json')
    cfg.dump(tmp_path / 'out.yaml')
    assert Config.fromfile(tmp_path / 'out.py').to_dict() == cfg.to_dict()
    as_lists = json.loads(json.dumps(cfg.to_dict()))               # tuples become lists
    assert json.loads((tmp_path / 'out.json').read_text()) == as_lists
    assert yaml.safe_load((tmp_path / 'out.yaml').read_text()) == as_lists
    assert Config.fromfile(tmp_path / 'out.yaml').to_dict() == as_lists
    assert cfg.dump() == cfg.pretty_text
    assert json.loads(Config.fromfile(tmp_path / 'out.json').dump()) == as_lists
    with pytest.raises(ValueError, match=r'\.txt'):
        cfg.dump(tmp_path / 'out.txt')


# ---------------------------------------------------------------- explain (provenance)
def test_explain_names_the_file_line_and_the_inherited_chain(cfg, tmp_path):
    text = cfg.explain('runner.max_epochs')
    schedule, child = (str(tmp_path / p) for p in ('_base_/schedules/imagenet_bs256.py',
                                                   'resnet/resnet50_8xb32-300e_in1k.py'))
    assert text.startswith('runner.max_epochs = 300\n')
    assert f'set by {child}, line 3' in text
    chain = text[text.index('inherited chain'):]
    assert chain.index(f'{schedule}, line 4') < chain.index(f'{child}, line 3')
    assert '100' in text


def test_explain_a_value_set_once_and_an_intermediate_variable(cfg, tmp_path):
    dataset = str(tmp_path / '_base_/datasets/imagenet_bs32.py')
    assert f'set by {dataset}, line 27' in cfg.explain('data.train.pipeline')
    assert f'set by {dataset}, line 4' in cfg.explain('train_pipeline')
    assert 'chain' not in cfg.explain('model.backbone.depth')
    assert f'resnet50.py, line 5' in cfg.explain('model.backbone.depth')


def test_explain_overrides_and_dicts(cfg, tmp_path):
    cfg.merge_from_dict({'runner.max_epochs': 3}, source='--cfg-options')
    cfg.merge_from_dict({'data.train.pipeline.1.size': 64})
    text = cfg.explain('runner.max_epochs')
    assert 'set by --cfg-options runner.max_epochs=3' in text
    assert 'resnet50_8xb32-300e_in1k.py, line 3' in text               # the chain stays
    explained = cfg.explain('data.train.pipeline.1.size')
    assert 'merge_from_dict data.train.pipeline.1.size=64' in explained
    whole = cfg.explain('runner')
    assert 'runner.type set by' in whole and 'runner.max_epochs set by --cfg-options' in whole
    assert 'inside data.train.pipeline' in cfg.explain('data.train.pipeline.1')


def test_explain_after_delete_forgets_the_base(tmp_path):
    write(tmp_path, TUTORIAL)
    cfg = Config.fromfile(tmp_path / 'resnet/resnet50_coslr.py')
    assert 'imagenet_bs256.py' not in cfg.explain('lr_config')
    assert 'resnet50_coslr.py, line 5' in cfg.explain('lr_config.policy')
    with pytest.raises(KeyError, match=r"lr_config\.step.*'step'"):
        cfg.explain('lr_config.step')


def test_explain_yaml_and_plain_dicts_and_code_changes(tmp_path):
    write(tmp_path, {'a.yaml': 'runner: {max_epochs: 5}\n'})
    cfg = Config.fromfile(tmp_path / 'a.yaml')
    assert f'set by {tmp_path / "a.yaml"}' in cfg.explain('runner.max_epochs')
    cfg.runner.max_epochs = 7
    assert 'changed by code after loading' in cfg.explain('runner.max_epochs')
    from_dict = Config(dict(a=1, b=dict(c=2)))
    assert 'set by the dict given to Config()' in from_dict.explain('a')
    from_dict.merge_from_dict({'b.c': 3})
    assert 'the dict given to Config()' in from_dict.explain('b.c')
    assert 'set by merge_from_dict b.c=3' in from_dict.explain('b.c')
    with pytest.raises(KeyError, match=r"runer.*did you mean 'runner'"):
        cfg.explain('runer.max_epochs')


# ---------------------------------------------------------------- print-config
def run_print_config(argv, capsys):
    from cls_lab.tools import print_config
    parser = argparse.ArgumentParser()
    print_config.add_arguments(parser)
    assert print_config.main(parser.parse_args(argv)) == 0
    return capsys.readouterr().out


def test_print_config_prints_loadable_text(tmp_path, capsys):
    write(tmp_path, TUTORIAL)
    path = str(tmp_path / 'resnet/resnet50_8xb32-300e_in1k.py')
    out = run_print_config([path, '--cfg-options', 'runner.max_epochs=2',
                            'workflow=[(train,1),(val,1)]'], capsys)
    again = Config.fromstring(out)
    assert again.runner.max_epochs == 2 and again.workflow == [('train', 1), ('val', 1)]
    assert again.lr_config.step == [150, 200, 250]
    out = run_print_config([path, '--cfg-options', 'runner.max_epochs=2',
                            '--explain', 'runner.max_epochs'], capsys)
    assert 'set by --cfg-options runner.max_epochs=2' in out and 'line 3' in out


def test_print_config_is_a_cli_command(tmp_path, capsys, monkeypatch):
    from cls_lab import __main__ as cli
    assert cli.COMMANDS['print-config'] == 'cls_lab.tools.print_config'
    # only this command: the dispatcher imports every tool module, some written by others
    monkeypatch.setattr(cli, 'COMMANDS', {'print-config': 'cls_lab.tools.print_config'})
    write(tmp_path, {'a.py': 'x = dict(y=1)\n'})
    assert cli.main(['print-config', str(tmp_path / 'a.py'), '--explain', 'x.y']) == 0
    assert 'a.py, line 1' in capsys.readouterr().out
    assert cli.main(['print-config', str(tmp_path / 'a.py'), '--cfg-options', 'x.y=2']) == 0
    assert capsys.readouterr().out == 'x = dict(y=2)\n'
    with pytest.raises(SystemExit):
        cli.main(['print-config', '--help'])
    assert 'which file' in capsys.readouterr().out


def test_messages_show_paths_relative_to_the_working_directory(tmp_path, monkeypatch):
    write(tmp_path, TUTORIAL)
    monkeypatch.chdir(tmp_path)
    cfg = Config.fromfile('resnet/resnet50_8xb32-300e_in1k.py')
    assert 'set by resnet/resnet50_8xb32-300e_in1k.py, line 3' in cfg.explain('runner.max_epochs')
    assert '<- _base_/schedules/imagenet_bs256.py, line 4' in cfg.explain('runner.max_epochs')
    write(tmp_path, {'bad.py': "_base_ = 'nope/base.py'\n"})
    with pytest.raises(FileNotFoundError, match=r"base config nope/base\.py .* in bad\.py\)"):
        Config.fromfile(tmp_path / 'bad.py')


def test_a_dict_merged_into_a_list_slot_reads_by_attribute():
    cfg = Config(dict(pipeline=[dict(type='Load'), dict(type='Resize', size=32)]))
    cfg.merge_from_dict({'pipeline.1': dict(size=64), 'pipeline.0': dict(type='Decode', to_rgb=True)})
    assert cfg.pipeline[1].size == 64 and cfg.pipeline[1].type == 'Resize'
    assert cfg.pipeline[0].type == 'Decode' and cfg.pipeline[0].to_rgb is True
