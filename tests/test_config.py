"""Config: loading .py/.json/.yaml files, _base_ inheritance, _delete_, {{_base_.x}}, access."""
import copy
import json
import pickle
import textwrap

import pytest

from cls_lab.config import Config, ConfigDict

# The tutorials' four primitives (model, dataset, schedule, runtime) and configs built on them.
TUTORIAL = {
    '_base_/models/resnet50.py': """
        model = dict(
            type='ImageClassifier',
            backbone=dict(
                type='ResNet',
                depth=50,
                num_stages=4,
                out_indices=(3, ),
                frozen_stages=-1,
                style='pytorch'),
            neck=dict(type='GlobalAveragePooling'),
            head=dict(
                type='LinearClsHead',
                num_classes=1000,
                in_channels=2048,
                loss=dict(type='CrossEntropyLoss', loss_weight=1.0),
                topk=(1, 5),
            ))
        """,
    '_base_/datasets/imagenet_bs32.py': """
        dataset_type = 'ImageNet'
        img_norm_cfg = dict(
            mean=[123.675, 116.28, 103.53], std=[58.395, 57.12, 57.375], to_rgb=True)
        train_pipeline = [
            dict(type='LoadImageFromFile'),
            dict(type='RandomResizedCrop', size=224),
            dict(type='RandomFlip', flip_prob=0.5, direction='horizontal'),
            dict(type='Normalize', **img_norm_cfg),
            dict(type='ImageToTensor', keys=['img']),
            dict(type='ToTensor', keys=['gt_label']),
            dict(type='Collect', keys=['img', 'gt_label'])
        ]
        test_pipeline = [
            dict(type='LoadImageFromFile'),
            dict(type='Resize', size=(256, -1)),
            dict(type='CenterCrop', crop_size=224),
            dict(type='Normalize', **img_norm_cfg),
            dict(type='ImageToTensor', keys=['img']),
            dict(type='Collect', keys=['img'])
        ]
        data = dict(
            samples_per_gpu=32,
            workers_per_gpu=2,
            train=dict(
                type=dataset_type,
                data_prefix='data/imagenet/train',
                pipeline=train_pipeline),
            val=dict(
                type=dataset_type,
                data_prefix='data/imagenet/val',
                ann_file='data/imagenet/meta/val.txt',
                pipeline=test_pipeline),
            test=dict(
                type=dataset_type,
                data_prefix='data/imagenet/val',
                ann_file='data/imagenet/meta/val.txt',
                pipeline=test_pipeline))
        evaluation = dict(interval=1, metric='accuracy')
        """,
    '_base_/schedules/imagenet_bs256.py': """
        optimizer = dict(type='SGD', lr=0.1, momentum=0.9, weight_decay=0.0001)
        optimizer_config = dict(grad_clip=None)
        lr_config = dict(policy='step', step=[30, 60, 90])
        runner = dict(type='EpochBasedRunner', max_epochs=100)
        """,
    '_base_/default_runtime.py': """
        checkpoint_config = dict(interval=1)
        log_config = dict(
            interval=100,
            hooks=[
                dict(type='TextLoggerHook'),
            ])
        dist_params = dict(backend='nccl')
        log_level = 'INFO'
        load_from = None
        resume_from = None
        workflow = [('train', 1)]
        """,
    'resnet/resnet50_8xb32_in1k.py': """
        _base_ = [
            '../_base_/models/resnet50.py', '../_base_/datasets/imagenet_bs32.py',
            '../_base_/schedules/imagenet_bs256.py', '../_base_/default_runtime.py'
        ]
        """,
    'resnet/resnet50_8xb32-300e_in1k.py': """
        _base_ = './resnet50_8xb32_in1k.py'

        runner = dict(max_epochs=300)

        lr_config = dict(step=[150, 200, 250])

        data = dict(
            train=dict(data_prefix='mydata/imagenet/train'),
            val=dict(data_prefix='mydata/imagenet/train', ),
            test=dict(data_prefix='mydata/imagenet/train'))
        """,
    'resnet/resnet50_coslr.py': """
        _base_ = './resnet50_8xb32_in1k.py'

        lr_config = dict(
            _delete_=True,
            policy='CosineAnnealing',
            min_lr=0,
            warmup='linear',
            by_epoch=True,
            warmup_iters=5,
            warmup_ratio=0.1)
        """,
    '_base_/datasets/pipelines/auto_aug.py': """
        auto_increasing_policies = [
            dict(type='AutoContrast', prob=0.5),
            dict(type='Equalize', prob=0.5),
            dict(type='Rotate', magnitude_range=(0, 30), pad_val=128, prob=0.5),
        ]
        """,
    '_base_/datasets/imagenet_bs64_autoaug.py': """
        _base_ = ['./pipelines/auto_aug.py']

        dataset_type = 'ImageNet'
        img_norm_cfg = dict(
            mean=[123.675, 116.28, 103.53], std=[58.395, 57.12, 57.375], to_rgb=True)
        train_pipeline = [
            dict(type='LoadImageFromFile'),
            dict(type='RandomResizedCrop', size=224),
            dict(type='RandomFlip', flip_prob=0.5, direction='horizontal'),
            dict(type='AutoAugment', policies={{_base_.auto_increasing_policies}}),
            dict(type='Normalize', **img_norm_cfg),
            dict(type='ImageToTensor', keys=['img']),
            dict(type='ToTensor', keys=['gt_label']),
            dict(type='Collect', keys=['img', 'gt_label'])
        ]
        test_pipeline = [dict(type='LoadImageFromFile'), dict(type='Collect', keys=['img'])]
        data = dict(
            samples_per_gpu=64,
            workers_per_gpu=2,
            train=dict(type=dataset_type, pipeline=train_pipeline),
            val=dict(type=dataset_type, pipeline=test_pipeline))
        evaluation = dict(interval=1, metric='accuracy')
        """,
}


def write(folder, files):
    """Write ``{relative path: text}`` under ``folder`` (text dedented); return the folder."""
    for name, text in files.items():
        path = folder / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(textwrap.dedent(text).lstrip('\n'))
    return folder


@pytest.fixture
def configs(tmp_path):
    return write(tmp_path, TUTORIAL)


def test_four_primitives_merge_into_one_config(configs):
    cfg = Config.fromfile(configs / 'resnet/resnet50_8xb32_in1k.py')
    assert cfg.model.backbone.depth == 50
    assert cfg['model']['head']['loss']['type'] == 'CrossEntropyLoss'
    assert cfg.data.train.pipeline[0]['type'] == 'LoadImageFromFile'
    assert cfg.data.train.pipeline[3].mean == [123.675, 116.28, 103.53]   # **img_norm_cfg
    assert cfg.lr_config == dict(policy='step', step=[30, 60, 90])
    assert cfg.workflow == [('train', 1)]
    assert cfg.model.backbone.out_indices == (3,)
    assert set(cfg) >= {'model', 'data', 'optimizer', 'runner', 'log_config', 'train_pipeline'}
    assert '_base_' not in cfg
    assert cfg.filename == str(configs / 'resnet/resnet50_8xb32_in1k.py')


def test_child_values_win_and_the_rest_is_inherited(configs):
    """The seed's 300-epoch example: change max_epochs, steps and paths, keep the rest."""
    cfg = Config.fromfile(configs / 'resnet/resnet50_8xb32-300e_in1k.py')
    assert cfg.runner == dict(type='EpochBasedRunner', max_epochs=300)
    assert cfg.lr_config == dict(policy='step', step=[150, 200, 250])
    assert cfg.data.train.data_prefix == 'mydata/imagenet/train'
    assert cfg.data.val.ann_file == 'data/imagenet/meta/val.txt'
    assert cfg.data.train.pipeline == cfg.train_pipeline
    assert cfg.data.samples_per_gpu == 32


def test_delete_replaces_the_inherited_dict(configs):
    cfg = Config.fromfile(configs / 'resnet/resnet50_coslr.py')
    assert cfg.lr_config == dict(policy='CosineAnnealing', min_lr=0, warmup='linear',
                                 by_epoch=True, warmup_iters=5, warmup_ratio=0.1)
    assert 'step' not in cfg.lr_config and '_delete_' not in cfg.lr_config


def test_base_reference_inserts_the_real_value(configs):
    """The seed's auto-augment example: {{_base_.x}} is the list itself, not a string."""
    cfg = Config.fromfile(configs / '_base_/datasets/imagenet_bs64_autoaug.py')
    policies = cfg.data.train.pipeline[3].policies
    assert policies == cfg.auto_increasing_policies
    assert policies[2].magnitude_range == (0, 30)
    assert isinstance(policies[0], ConfigDict)


def test_base_reference_is_an_expression_value(tmp_path):
    write(tmp_path, {
        'base.py': """
            lr = 0.01
            steps = [10, 20, 30]
            model = dict(backbone=dict(depth=50))
            """,
        'child.py': """
            _base_ = 'base.py'
            lr = {{_base_.lr}} * 2
            steps = {{_base_.steps}}[1:]
            depth = {{ _base_.model.backbone.depth }} + 1
            first = {{_base_.steps.0}}
            """})
    cfg = Config.fromfile(tmp_path / 'child.py')
    assert cfg.lr == 0.02 and cfg.steps == [20, 30] and cfg.depth == 51 and cfg.first == 10
    assert not any(key.startswith('__') for key in cfg)


def test_a_base_reference_cannot_change_the_base(tmp_path):
    write(tmp_path, {'base.py': "steps = [1, 2]\n",
                     'child.py': "_base_ = 'base.py'\nmine = {{_base_.steps}}\nmine.append(3)\n"})
    cfg = Config.fromfile(tmp_path / 'child.py')
    assert cfg.mine == [1, 2, 3] and cfg.steps == [1, 2]


def test_intermediate_variables_reach_the_data_dict(tmp_path):
    write(tmp_path, {'cfg.py': """
        size = 32
        train_pipeline = [dict(type='RandomResizedCrop', size=size)]
        data = dict(train=dict(pipeline=train_pipeline))
        """})
    cfg = Config.fromfile(tmp_path / 'cfg.py')
    assert cfg.data.train.pipeline[0].size == 32 and cfg.train_pipeline[0].size == 32


def test_a_child_may_rebuild_data_from_its_own_variables(tmp_path):
    write(tmp_path, TUTORIAL)
    write(tmp_path, {'small.py': """
        _base_ = './resnet/resnet50_8xb32_in1k.py'
        train_pipeline = [dict(type='LoadImageFromFile'), dict(type='Resize', size=32)]
        data = dict(train=dict(pipeline=train_pipeline))
        """})
    cfg = Config.fromfile(tmp_path / 'small.py')
    assert cfg.data.train.pipeline[1] == dict(type='Resize', size=32)
    assert cfg.data.train.type == 'ImageNet'


def test_inheritance_of_any_depth(tmp_path):
    write(tmp_path, {
        'a.py': "x = dict(a=1, b=1, c=1, d=1)\n",
        'sub/b.py': "_base_ = '../a.py'\nx = dict(b=2)\n",
        'sub/deeper/c.py': "_base_ = ['../b.py']\nx = dict(c=3)\n",
        'd.py': "_base_ = 'sub/deeper/c.py'\nx = dict(d=4)\ny = {{_base_.x.a}}\n"})
    cfg = Config.fromfile(tmp_path / 'd.py')
    assert cfg.x == dict(a=1, b=2, c=3, d=4) and cfg.y == 1


def test_functions_and_modules_in_a_py_config_are_not_keys(tmp_path):
    write(tmp_path, {'cfg.py': """
        import math
        def double(x):
            return 2 * x
        width = double(8)
        angle = math.pi
        """})
    cfg = Config.fromfile(tmp_path / 'cfg.py')
    assert dict(cfg) == dict(width=16, angle=pytest.approx(3.14159, rel=1e-4))


def test_json_and_yaml_configs_with_bases_and_delete(tmp_path):
    write(tmp_path, {
        'base.py': "lr_config = dict(policy='step', step=[30])\nrunner = dict(max_epochs=10)\n",
        'mid.json': json.dumps({'_base_': 'base.py', 'runner': {'max_epochs': 20},
                                'steps': '{{_base_.lr_config.step}}'}),
        'top.yaml': """
            _base_: [mid.json]
            lr_config:
              _delete_: true
              policy: CosineAnnealing
              min_lr: 0
            optimizer: {type: SGD, lr: 0.1}
            """})
    cfg = Config.fromfile(tmp_path / 'top.yaml')
    assert cfg.lr_config == dict(policy='CosineAnnealing', min_lr=0)
    assert cfg.runner.max_epochs == 20 and cfg.steps == [30] and cfg.optimizer.lr == 0.1
    assert Config.fromfile(tmp_path / 'mid.json').lr_config.step == [30]


def test_yml_suffix_and_empty_yaml(tmp_path):
    write(tmp_path, {'a.yml': 'x: 1\n', 'empty.yaml': ''})
    assert Config.fromfile(tmp_path / 'a.yml').x == 1
    assert len(Config.fromfile(tmp_path / 'empty.yaml')) == 0


def test_text_holds_every_file_bases_first(configs):
    path = configs / 'resnet/resnet50_8xb32-300e_in1k.py'
    cfg = Config.fromfile(path)
    assert cfg.text.index("type='ResNet'") < cfg.text.index('max_epochs=300')
    assert str(configs / '_base_/default_runtime.py') in cfg.text
    assert cfg.text.rstrip().endswith(path.read_text().rstrip())


def test_fromstring_for_each_format(tmp_path, monkeypatch):
    assert Config.fromstring("a = dict(b=1)\nc = a['b'] + 1\n").to_dict() == dict(a=dict(b=1), c=2)
    assert Config.fromstring('{"a": [1, 2]}', '.json').a == [1, 2]
    assert Config.fromstring('a: {b: 2}', 'yaml').a.b == 2
    write(tmp_path, {'base.py': 'x = 1\n'})
    monkeypatch.chdir(tmp_path)
    cfg = Config.fromstring("_base_ = 'base.py'\ny = {{_base_.x}} + 1\n")
    assert cfg.to_dict() == dict(x=1, y=2) and cfg.filename is None
    with pytest.raises(ValueError, match=r"\.toml"):
        Config.fromstring('a = 1', '.toml')


def test_config_from_a_dict_behaves_like_a_mapping():
    cfg = Config(dict(model=dict(backbone=dict(depth=50)), steps=[dict(a=1)]), filename='x.py')
    assert cfg.filename == 'x.py' and cfg.text == ''
    assert 'model' in cfg and 'nope' not in cfg and len(cfg) == 2
    assert list(cfg) == ['model', 'steps'] and list(cfg.keys()) == ['model', 'steps']
    assert dict(cfg.items())['steps'] == [dict(a=1)]
    assert cfg.get('nope', 3) == 3 and cfg.get('model').backbone.depth == 50
    assert isinstance(cfg.steps[0], ConfigDict) and cfg.steps[0].a == 1
    assert type(cfg.to_dict()['model']['backbone']) is dict
    assert type(cfg.to_dict()['steps'][0]) is dict
    assert Config().to_dict() == {}
    with pytest.raises(TypeError, match='dict'):
        Config([1, 2])
    with pytest.raises(KeyError, match='filename'):
        Config(dict(filename='x'))


def test_setting_values_by_attribute_and_item():
    cfg = Config(dict(model=dict(backbone=dict(depth=50))))
    cfg.model.backbone.depth = 18
    cfg.model['neck'] = dict(type='GlobalAveragePooling')
    cfg.work_dir = 'work_dirs/x'
    cfg['seed'] = 0
    cfg.model.head = {'loss': {'type': 'CrossEntropyLoss'}}
    assert cfg.model.backbone.depth == 18 and cfg.model.neck.type == 'GlobalAveragePooling'
    assert cfg.work_dir == 'work_dirs/x' and cfg.seed == 0
    assert cfg.model.head.loss.type == 'CrossEntropyLoss'
    cfg.model.head.update(num_classes=10, loss=dict(type='LabelSmoothLoss'))
    assert cfg.model.head.loss.type == 'LabelSmoothLoss' and cfg.model.head.num_classes == 10
    assert cfg.model.setdefault('extra', {'a': 1}).a == 1
    del cfg.model.extra
    del cfg['seed']
    assert 'extra' not in cfg.model and 'seed' not in cfg


def test_missing_attribute_names_the_key_and_suggests():
    cfg = Config(dict(model=dict(backbone=dict(depth=50))), filename='my.py')
    with pytest.raises(AttributeError, match=r"'depht'.*did you mean 'depth'"):
        cfg.model.backbone.depht
    with pytest.raises(AttributeError, match=r"my\.py has no key 'modle'.*'model'"):
        cfg.modle
    assert not hasattr(cfg.model, 'head') and not hasattr(cfg, 'data')
    with pytest.raises(KeyError):
        cfg['nope']


def test_deepcopy_and_pickle_keep_everything(configs):
    cfg = Config.fromfile(configs / 'resnet/resnet50_8xb32-300e_in1k.py')
    for clone in (copy.deepcopy(cfg), pickle.loads(pickle.dumps(cfg))):
        assert clone.to_dict() == cfg.to_dict()
        assert clone.filename == cfg.filename and clone.text == cfg.text
        assert isinstance(clone.model.backbone, ConfigDict)
        assert clone.explain('runner.max_epochs') == cfg.explain('runner.max_epochs')
        clone.model.backbone.depth = 18
        assert cfg.model.backbone.depth == 50
    node = pickle.loads(pickle.dumps(cfg.model))
    assert type(node) is ConfigDict and node.head.loss.loss_weight == 1.0
    assert copy.copy(cfg.model).backbone is cfg.model.backbone


def test_custom_imports_imports_the_modules(tmp_path, monkeypatch):
    (tmp_path / 'my_cfg_plugin_mod.py').write_text('IMPORTED = True\n')
    monkeypatch.syspath_prepend(str(tmp_path))
    write(tmp_path, {'cfg.py': "custom_imports = dict(imports=['my_cfg_plugin_mod'], "
                               "allow_failed_imports=False)\n"})
    import sys
    sys.modules.pop('my_cfg_plugin_mod', None)
    cfg = Config.fromfile(tmp_path / 'cfg.py')
    assert sys.modules['my_cfg_plugin_mod'].IMPORTED
    assert cfg.custom_imports.imports == ['my_cfg_plugin_mod']


def test_custom_imports_failure_names_the_module(tmp_path):
    write(tmp_path, {
        'strict.py': "custom_imports = dict(imports=['no_such_module_xyz'])\n",
        'lenient.py': "custom_imports = dict(imports='no_such_module_xyz', "
                      "allow_failed_imports=True)\n"})
    with pytest.raises(ImportError, match=r"no_such_module_xyz.*|.*strict\.py") as info:
        Config.fromfile(tmp_path / 'strict.py')
    assert 'strict.py' in str(info.value) and 'no_such_module_xyz' in str(info.value)
    with pytest.warns(UserWarning, match='no_such_module_xyz'):
        Config.fromfile(tmp_path / 'lenient.py')
    assert Config.fromfile(tmp_path / 'strict.py', import_custom_modules=False).custom_imports
