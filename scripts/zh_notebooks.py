"""Build the Chinese notebooks from the English ones and one translation catalogue each.

    python scripts/zh_notebooks.py update   # add catalogue entries for new or changed English text
    python scripts/zh_notebooks.py build    # write notebooks/zh_CN/**/NN_*.ipynb
    python scripts/zh_notebooks.py check    # exit 1 and list what is untranslated or out of date

A catalogue (``notebooks/zh_CN/NN_name.yaml``) is a list of entries, one per markdown cell,
keyed by the cell's id: ``en`` is the English text the translation was made from, ``zh`` the
translation. Code cells are never translated: the Chinese notebook gets the English cells
themselves, so a change to English code flows in with the next ``build``. When the English
text of a cell changes, ``update`` keeps the old pair and adds ``new_en``: the translator
revises ``zh``, copies ``new_en`` over ``en`` and deletes ``new_en``.
"""
import copy
import json
import re
import sys
from pathlib import Path

import yaml

ROOT = Path(__file__).resolve().parents[1]
EN_DIR = ROOT / 'notebooks'
ZH_DIR = EN_DIR / 'zh_CN'
UNTRANSLATED = '> **未翻译 (untranslated)** — 下面是英文原文。\n\n'
# a relative link in a notebook one folder deeper must climb one folder more
RELATIVE_LINK = re.compile(r'(\]\(|src=")(?!https?:|#|/|data:)')


def english_notebooks():
    """Every numbered English notebook and every solution notebook, as paths."""
    return sorted(EN_DIR.glob('[0-9][0-9]_*.ipynb')) + \
        sorted((EN_DIR / 'solutions').glob('[0-9][0-9]_*.ipynb'))


def zh_path(en_path, suffix='.ipynb'):
    """Where the Chinese twin (or its catalogue) of an English notebook lives."""
    return ZH_DIR / en_path.relative_to(EN_DIR).with_suffix(suffix)


def source(cell):
    return ''.join(cell['source']) if isinstance(cell['source'], list) else cell['source']


def markdown_cells(notebook):
    return [cell for cell in notebook['cells'] if cell['cell_type'] == 'markdown']


def read_json(path):
    return json.loads(path.read_text(encoding='utf-8'))


def read_catalogue(path):
    """The catalogue's entries by cell id (empty when the file does not exist yet)."""
    if not path.exists():
        return {}
    entries = yaml.safe_load(path.read_text(encoding='utf-8')) or []
    by_id = {}
    for entry in entries:
        if not isinstance(entry, dict) or not {'id', 'en', 'zh'} <= set(entry):
            raise ValueError(f'{path}: every entry needs id, en and zh; got {entry!r}')
        by_id[entry['id']] = entry
    return by_id


class _Literal(str):
    """A string that YAML writes as a ``|`` block, so translators edit plain text."""


def _literal(dumper, text):
    return dumper.represent_scalar('tag:yaml.org,2002:str', text, style='|' if '\n' in text else None)


yaml.SafeDumper.add_representer(_Literal, _literal)


def write_catalogue(path, entries):
    rows = [{key: _Literal(value) if isinstance(value, str) and key != 'id' else value
             for key, value in entry.items()} for entry in entries]
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(yaml.safe_dump(rows, allow_unicode=True, sort_keys=False, width=1000),
                    encoding='utf-8')


def is_current(entry, english):
    """A translation counts when it exists and was made from today's English text."""
    return bool(entry and entry['zh'].strip() and entry['en'] == english and 'new_en' not in entry)


def problems(en_path):
    """Lines naming each markdown cell of ``en_path`` without a current translation."""
    catalogue_path = zh_path(en_path, '.yaml')
    catalogue = read_catalogue(catalogue_path)
    found = []
    for cell in markdown_cells(read_json(en_path)):
        entry = catalogue.get(cell['id'])
        if not is_current(entry, source(cell)):
            state = 'missing' if entry is None else ('untranslated' if not entry['zh'].strip()
                                                     else 'out of date')
            found.append(f'{catalogue_path.relative_to(ROOT)}: cell {cell["id"]} {state}')
    return found


def update(en_path):
    """Rewrite the catalogue in cell order: keep translations, flag changed English text."""
    catalogue_path = zh_path(en_path, '.yaml')
    old = read_catalogue(catalogue_path)
    entries = []
    for cell in markdown_cells(read_json(en_path)):
        english = source(cell)
        entry = dict(old.get(cell['id']) or dict(id=cell['id'], en=english, zh=''))
        entry.pop('new_en', None)
        if entry['en'] != english:
            entry['new_en'] = english
        entries.append(entry)
    write_catalogue(catalogue_path, entries)


def translated(en_notebook, catalogue):
    """The Chinese notebook: English code cells untouched, markdown from the catalogue."""
    notebook = copy.deepcopy(en_notebook)
    for cell in markdown_cells(notebook):
        english = source(cell)
        entry = catalogue.get(cell['id'])
        text = entry['zh'] if is_current(entry, english) else UNTRANSLATED + english
        cell['source'] = RELATIVE_LINK.sub(r'\1../', text).splitlines(keepends=True)
    return notebook


def render(en_path):
    """The text ``build`` writes for ``en_path``'s Chinese twin."""
    notebook = translated(read_json(en_path), read_catalogue(zh_path(en_path, '.yaml')))
    notebook['metadata']['cls_lab'] = {'language': 'zh_CN',
                                       'translation_of': en_path.relative_to(EN_DIR).as_posix()}
    return json.dumps(notebook, indent=1, ensure_ascii=False) + '\n'


def build(en_path):
    target = zh_path(en_path)
    target.parent.mkdir(parents=True, exist_ok=True)
    target.write_text(render(en_path), encoding='utf-8')


def main(argv=None):
    argv = sys.argv[1:] if argv is None else argv
    if argv not in (['update'], ['build'], ['check']):
        print(__doc__)
        return 2
    if argv == ['check']:
        found = [line for path in english_notebooks() for line in problems(path)]
        print('\n'.join(found) or 'every markdown cell has a current translation')
        return 1 if found else 0
    for path in english_notebooks():
        (update if argv == ['update'] else build)(path)
    return 0


if __name__ == '__main__':
    sys.exit(main())
