"""Self-check sections of notebooks 00-06: Summary, Questions, Exercises, solutions, diagrams.

Static checks only (nothing is executed): nbval runs the notebooks and their solutions.
"""
import json
import re
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
NOTEBOOKS = sorted((ROOT / 'notebooks').glob('0[0-6]_*.ipynb'))
YOUR_TURN = '# YOUR TURN'


def cells(path):
    return json.loads(path.read_text(encoding='utf-8'))['cells']


def text(cell):
    return ''.join(cell['source'])


def section(path, title):
    """The markdown text of the cell whose heading is `## title` (None when absent)."""
    for cell in cells(path):
        if cell['cell_type'] == 'markdown' and re.match(rf'##\s+{title}\b', text(cell)):
            return text(cell)
    return None


@pytest.mark.parametrize('path', NOTEBOOKS, ids=lambda p: p.name)
def test_ends_with_summary_questions_exercises(path):
    headings = [re.match(r'##\s+(\w+)', text(c)).group(1) for c in cells(path)
                if c['cell_type'] == 'markdown' and re.match(r'##\s+(Summary|Questions|Exercises)\b', text(c))]
    assert headings == ['Summary', 'Questions', 'Exercises'], f'{path.name}: {headings}'
    bullets = re.findall(r'^- ', section(path, 'Summary'), flags=re.M)
    assert 3 <= len(bullets) <= 6, f'{path.name}: Summary has {len(bullets)} bullets'
    questions = re.findall(r'^\d+\. ', section(path, 'Questions'), flags=re.M)
    assert 8 <= len(questions) <= 15, f'{path.name}: {len(questions)} questions'


@pytest.mark.parametrize('path', NOTEBOOKS, ids=lambda p: p.name)
def test_exercise_cells_are_marked_and_solved(path):
    all_cells = cells(path)
    start = next(i for i, c in enumerate(all_cells)
                 if c['cell_type'] == 'markdown' and re.match(r'##\s+Exercises\b', text(c)))
    exercise_code = [c for c in all_cells[start:] if c['cell_type'] == 'code']
    assert exercise_code, f'{path.name}: exercises without a "your turn" code cell'
    assert all(text(c).startswith(YOUR_TURN) for c in exercise_code), \
        f'{path.name}: every code cell after "## Exercises" starts with {YOUR_TURN!r}'
    before = [c for c in all_cells[:start] if YOUR_TURN in text(c) and c['cell_type'] == 'code']
    assert not before, f'{path.name}: {YOUR_TURN} cells belong to the Exercises section'
    solutions = ROOT / 'notebooks' / 'solutions' / path.name
    assert solutions.exists(), f'missing {solutions.relative_to(ROOT)}'
    solved = [heading for c in cells(solutions) if c['cell_type'] == 'markdown'
              for heading in re.findall(r'^##\s+\d+\.', text(c), flags=re.M)]
    assert len(solved) == len(exercise_code), \
        f'{solutions.name}: {len(solved)} solution sections for {len(exercise_code)} exercises'


@pytest.mark.parametrize('path', NOTEBOOKS, ids=lambda p: p.name)
def test_pictures_in_markdown_exist_and_are_small(path):
    for cell in cells(path):
        if cell['cell_type'] != 'markdown':
            continue
        for link in re.findall(r'!\[[^\]]*\]\(([^)]+)\)', text(cell)):
            image = (path.parent / link).resolve()
            assert image.exists(), f'{path.name}: {link} does not exist'
            assert image.stat().st_size < 100_000, f'{path.name}: {link} is over 100 KB'
