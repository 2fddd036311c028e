"""The Chinese edition stays in sync with the English notebooks by construction.

notebooks/zh_CN/NN_*.ipynb are built by scripts/zh_notebooks.py from the English notebook
and a catalogue of translations; these tests fail when a built file is stale, when a code
cell differs, or when a markdown cell has no translation of today's English text.
"""
import importlib.util
import json
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
spec = importlib.util.spec_from_file_location('zh_notebooks', ROOT / 'scripts' / 'zh_notebooks.py')
zh = importlib.util.module_from_spec(spec)
spec.loader.exec_module(zh)
ENGLISH = zh.english_notebooks()
GLOSSARY = {'主干网络': 'backbone', '颈部': 'neck', '头部': 'head', '损失': 'loss',
            '注册器': 'registry', '配置文件': 'config', '数据流水线': 'pipeline', '钩子': 'hook',
            '优化器': 'optimizer', '学习率': 'learning rate', '预热': 'warmup', '微调': 'fine-tuning',
            '自监督': 'self-supervised'}


def relative(path):
    return path.relative_to(ROOT).as_posix()


def test_every_english_notebook_is_covered():
    numbered = [p for p in ENGLISH if p.parent.name == 'notebooks']
    assert len(numbered) >= 13
    missing = [relative(p) for p in ENGLISH if not zh.zh_path(p).exists()]
    assert not missing, f'no Chinese notebook for {missing}: run python scripts/zh_notebooks.py build'


@pytest.mark.parametrize('en_path', ENGLISH, ids=relative)
def test_chinese_notebook_is_built_from_current_sources(en_path):
    built = zh.zh_path(en_path)
    assert built.exists() and built.read_text(encoding='utf-8') == zh.render(en_path), \
        f'{relative(built)} is stale: run python scripts/zh_notebooks.py build'
    english, chinese = zh.read_json(en_path), zh.read_json(built)
    assert [c['cell_type'] for c in english['cells']] == [c['cell_type'] for c in chinese['cells']]
    for en_cell, zh_cell in zip(english['cells'], chinese['cells']):
        if en_cell['cell_type'] == 'code':
            assert zh_cell == en_cell, f'{relative(built)}: code cell {en_cell["id"]} differs'


@pytest.mark.parametrize('en_path', ENGLISH, ids=relative)
def test_every_markdown_cell_has_a_current_translation(en_path):
    problems = zh.problems(en_path)
    assert not problems, '\n'.join(problems + ['translate them in the catalogue, then run '
                                               'python scripts/zh_notebooks.py build'])


def test_glossary_names_the_seed_terms():
    text = (ROOT / 'notebooks' / 'zh_CN' / 'README.md').read_text(encoding='utf-8')
    for chinese, english in GLOSSARY.items():
        assert chinese in text and english in text, (chinese, english)


def test_update_flags_changed_english_and_build_marks_it(tmp_path, monkeypatch):
    en_dir = tmp_path / 'notebooks'
    en_dir.mkdir()
    monkeypatch.setattr(zh, 'EN_DIR', en_dir)
    monkeypatch.setattr(zh, 'ZH_DIR', en_dir / 'zh_CN')
    monkeypatch.setattr(zh, 'ROOT', tmp_path)
    cells = [dict(cell_type='markdown', id='intro', metadata={}, source=['# Title\n', '![x](../docs/a.png)']),
             dict(cell_type='code', id='c1', metadata={'tags': ['parameters']}, source=['n = 1'],
                  outputs=[], execution_count=None)]
    notebook = dict(cells=cells, metadata={}, nbformat=4, nbformat_minor=5)
    en_path = en_dir / '00_demo.ipynb'
    en_path.write_text(json.dumps(notebook))
    zh.update(en_path)
    assert zh.problems(en_path) == ['notebooks/zh_CN/00_demo.yaml: cell intro untranslated']
    catalogue = zh.read_catalogue(zh.zh_path(en_path, '.yaml'))
    catalogue['intro']['zh'] = '# 标题\n![x](../docs/a.png)'
    zh.write_catalogue(zh.zh_path(en_path, '.yaml'), list(catalogue.values()))
    assert zh.problems(en_path) == []
    built = json.loads(zh.render(en_path))
    assert zh.source(built['cells'][0]) == '# 标题\n![x](../../docs/a.png)'   # one folder deeper
    assert built['cells'][1] == cells[1]
    notebook['cells'][0]['source'] = ['# New title']     # the English text changes
    en_path.write_text(json.dumps(notebook))
    zh.update(en_path)
    entry = zh.read_catalogue(zh.zh_path(en_path, '.yaml'))['intro']
    assert entry['zh'].startswith('# 标题') and entry['new_en'] == '# New title'
    assert zh.problems(en_path) == ['notebooks/zh_CN/00_demo.yaml: cell intro out of date']
    assert zh.source(json.loads(zh.render(en_path))['cells'][0]).startswith(zh.UNTRANSLATED)
