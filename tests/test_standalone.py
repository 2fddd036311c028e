"""registry.py and config.py stand alone: copied into an empty folder, they work without cls_lab.

The script runs under ``python -S -E`` (no site-packages, no PYTHONPATH), so neither file may
import cls_lab, torch or any other installed package (PyYAML is optional: .yaml files only).
"""
import shutil
import subprocess
import sys
import textwrap

import cls_lab

SCRIPT = """
import sys
assert not any('site-packages' in p for p in sys.path), sys.path
from registry import Registry
from config import Config, DictAction
import argparse

MODELS = Registry('models')

@MODELS.register_module()
class Net:
    def __init__(self, depth, head):
        self.depth, self.head = depth, head

cfg = Config.fromfile('configs/net_small.py')
parser = argparse.ArgumentParser()
parser.add_argument('--cfg-options', nargs='+', action=DictAction)
args = parser.parse_args(['--cfg-options', 'model.head.num_classes=3', 'steps=[1,2]'])
cfg.merge_from_dict(args.cfg_options, source='--cfg-options')
net = MODELS.build(cfg.model)
assert isinstance(net, Net) and net.depth == 18 and net.head == dict(num_classes=3, bias=True)
assert cfg.steps == [1, 2] and cfg.lr == 0.2
assert Config.fromstring(cfg.pretty_text).to_dict() == cfg.to_dict()
print(cfg.explain('model.depth'))
print('cls_lab' in sys.modules, 'torch' in sys.modules, 'yaml' in sys.modules)
"""

CONFIGS = {
    'configs/_base_/net.py': "model = dict(type='Net', depth=50, "
                             "head=dict(num_classes=10, bias=True))\nlr = 0.1\n",
    'configs/net_small.py': "_base_ = './_base_/net.py'\nmodel = dict(depth=18)\n"
                            "lr = {{_base_.lr}} * 2\n",
}


def test_registry_and_config_work_copied_alone(tmp_path):
    for name in ('registry.py', 'config.py'):
        shutil.copy(cls_lab.ROOT / 'cls_lab' / name, tmp_path / name)
    for name, text in CONFIGS.items():
        (tmp_path / name).parent.mkdir(parents=True, exist_ok=True)
        (tmp_path / name).write_text(text)
    (tmp_path / 'script.py').write_text(textwrap.dedent(SCRIPT))
    result = subprocess.run([sys.executable, '-S', '-E', 'script.py'], cwd=tmp_path,
                            capture_output=True, text=True, timeout=60)
    assert result.returncode == 0, result.stderr
    lines = result.stdout.splitlines()
    assert lines[0] == 'model.depth = 18'
    assert 'net_small.py, line 2' in result.stdout and 'net.py, line 1' in result.stdout
    assert lines[-1] == 'False False False'
