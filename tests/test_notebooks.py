"""The notebook series: structure every notebook must have, and papermill parameters.

nbval runs each notebook top to bottom (`make test` passes notebooks/ with --nbval-lax);
these tests check what nbval does not: the tagged parameters cell, the teaching shape,
outputs kept only where nbval checks them, and that papermill's injected values take effect.
"""
import json
import subprocess
import sys
from pathlib import Path

import pytest

from cls_lab.tools.notebook_result import result_text

ROOT = Path(__file__).resolve().parents[1]
NOTEBOOKS = sorted((ROOT / 'notebooks').glob('[0-9][0-9]_*.ipynb'))
SOLUTIONS = sorted((ROOT / 'notebooks' / 'solutions').glob('[0-9][0-9]_*.ipynb'))
CHECK_MARK = '# NBVAL_CHECK_OUTPUT'


def load(path):
    return json.loads(path.read_text(encoding='utf-8'))


def code_cells(notebook):
    return [cell for cell in notebook['cells'] if cell['cell_type'] == 'code']


def source(cell):
    return ''.join(cell['source'])


def test_series_is_numbered_without_gaps():
    numbers = [int(path.name[:2]) for path in NOTEBOOKS]
    assert numbers == list(range(len(numbers))), [p.name for p in NOTEBOOKS]
    assert numbers[:1] == [0] and NOTEBOOKS[0].name == '00_quickstart.ipynb'


@pytest.mark.parametrize('path', NOTEBOOKS, ids=lambda p: p.name)
def test_notebook_shape(path):
    notebook = load(path)
    cells = notebook['cells']
    assert cells[0]['cell_type'] == 'markdown' and source(cells[0]).startswith('# '), \
        f'{path.name}: the first cell must be a markdown title'
    first_code = code_cells(notebook)[0]
    assert 'parameters' in first_code.get('metadata', {}).get('tags', []), \
        f'{path.name}: the first code cell must be tagged "parameters" for papermill'
    assert any(c['cell_type'] == 'markdown' and 'Exercises' in source(c) for c in cells), \
        f'{path.name}: needs an "Exercises" markdown cell'
    assert notebook['metadata']['kernelspec']['name'] == 'python3'


# the widget each notebook is about (issue: every notebook uses the widget fitting its topic)
WIDGET_OF = {
    '00_quickstart': 'LiveTrainingPlotHook', '01_registry': 'viz.ConfigEditor',
    '02_config': 'viz.ConfigEditor', '03_datasets': 'viz.PipelineViewer',
    '04_pipelines': 'viz.PipelineViewer', '05_models': 'viz.FeatureMapViewer',
    '06_networks_from_scratch': 'viz.FeatureMapViewer', '07_resnet_anatomy': 'viz.FeatureMapViewer',
    '08_optimizers_and_schedules': 'viz.LRCurveExplorer', '09_runner_and_hooks': 'LiveTrainingPlotHook',
    '10_finetune': 'LiveTrainingPlotHook', '11_inference_and_apis': 'viz.FeatureMapViewer',
    '12_self_supervised': 'viz.PipelineViewer', '13_architecture_tour': 'viz.FeatureMapViewer',
    '14_analysis_and_export': 'viz.InterpretationViewer',
}


@pytest.mark.parametrize('path', NOTEBOOKS, ids=lambda p: p.name)
def test_notebook_uses_its_widget(path):
    code = '\n'.join(source(cell) for cell in code_cells(load(path)))
    widget = WIDGET_OF[path.stem]
    assert widget in code, f'{path.name}: should show {widget}'
    assert 'import cls_lab.viz' in code, f'{path.name}: imports cls_lab.viz to register the widgets'


@pytest.mark.parametrize('path', NOTEBOOKS + SOLUTIONS, ids=lambda p: p.parent.name + '/' + p.name)
def test_only_checked_cells_keep_outputs(path):
    """Outputs are kept exactly where nbval compares them; a checked cell without a stored
    output would compare against nothing and pass whatever it prints."""
    for index, cell in enumerate(code_cells(load(path))):
        checked = source(cell).lstrip().startswith(CHECK_MARK)
        if not checked:
            assert not cell['outputs'], f'{path.name}: code cell {index} has committed outputs'
            assert cell['execution_count'] is None
            continue
        assert cell['outputs'], (f'{path.name}: code cell {index} is marked {CHECK_MARK} but '
                                 'stores no output (run scripts/store_checked_outputs.py on it)')
        for output in cell['outputs']:
            assert 'image/png' not in output.get('data', {}), \
                f'{path.name}: checked cell {index} stores an image'


@pytest.mark.parametrize('path', NOTEBOOKS + SOLUTIONS, ids=lambda p: p.parent.name + '/' + p.name)
def test_no_widget_state_is_stored(path):
    assert 'widgets' not in load(path)['metadata'], \
        f'{path.name}: stores widget state (run scripts/store_checked_outputs.py on it)'


# notebooks that end with the self-check sections (00-06 join once their helper's work lands)
SELF_CHECKED = [p for p in NOTEBOOKS if 7 <= int(p.name[:2]) <= 12]
EXERCISE_MARK = '# YOUR TURN'


def heading_index(cells, title):
    found = [i for i, c in enumerate(cells)
             if c['cell_type'] == 'markdown' and source(c).lstrip().startswith(f'## {title}')]
    assert len(found) == 1, f'needs exactly one "## {title}" markdown cell, found {len(found)}'
    return found[0]


@pytest.mark.parametrize('path', SELF_CHECKED, ids=lambda p: p.name)
def test_notebook_ends_with_summary_questions_exercises(path):
    cells = load(path)['cells']
    summary, questions, exercises = (heading_index(cells, t) for t in ('Summary', 'Questions', 'Exercises'))
    assert summary < questions < exercises, f'{path.name}: Summary, Questions, Exercises in that order'
    bullets = [line for line in source(cells[summary]).splitlines() if line.startswith('* ')]
    assert 3 <= len(bullets) <= 6, f'{path.name}: Summary has {len(bullets)} bullets (3-6)'
    asked = [line for line in source(cells[questions]).splitlines() if line.split('.')[0].isdigit()]
    assert 8 <= len(asked) <= 15, f'{path.name}: {len(asked)} questions (8-15)'
    tail = cells[exercises + 1:]
    turns = [c for c in tail if c['cell_type'] == 'code']
    assert turns and all(source(c).startswith(EXERCISE_MARK) for c in turns), \
        f'{path.name}: every code cell after "## Exercises" starts with {EXERCISE_MARK!r}'


@pytest.mark.parametrize('path', SELF_CHECKED, ids=lambda p: p.name)
def test_every_exercise_has_a_worked_solution(path):
    cells = load(path)['cells']
    count = sum(source(c).startswith(EXERCISE_MARK) for c in code_cells({'cells': cells}))
    solution = ROOT / 'notebooks' / 'solutions' / path.name
    assert solution.exists(), f'{path.name}: no notebooks/solutions/{path.name}'
    titles = [source(c).splitlines()[0] for c in load(solution)['cells'] if c['cell_type'] == 'markdown']
    assert [f'## Exercise {k}' for k in range(1, count + 1)] == \
        [t for t in titles if t.startswith('## Exercise ')], f'{solution.name}: one section per exercise'


def test_result_text_reads_tagged_cells():
    notebook = {'cells': [
        {'cell_type': 'code', 'metadata': {}, 'outputs': [
            {'output_type': 'stream', 'name': 'stdout', 'text': ['ignored\n']}]},
        {'cell_type': 'code', 'metadata': {'tags': ['result']}, 'outputs': [
            {'output_type': 'stream', 'name': 'stdout', 'text': ['top-1: 97.0\n']},
            {'output_type': 'execute_result', 'data': {'text/plain': ['42']}}]},
    ]}
    assert result_text(notebook) == 'top-1: 97.0\n42\n'
    del notebook['cells'][1]['metadata']['tags']
    assert result_text(notebook) == 'top-1: 97.0\n42\n'   # falls back to the last code cell


def test_quickstart_with_papermill_parameters(tmp_path):
    """papermill injects new parameters after the tagged cell; the run must use them."""
    papermill = pytest.importorskip('papermill')
    out = tmp_path / 'quickstart.ipynb'
    papermill.execute_notebook(
        str(ROOT / 'notebooks' / '00_quickstart.ipynb'), str(out),
        parameters=dict(max_epochs=1, work_dir=str(tmp_path / 'work')),
        cwd=str(ROOT / 'notebooks'), kernel_name='python3', progress_bar=False)
    executed = load(out)
    injected = [c for c in executed['cells']
                if 'injected-parameters' in c.get('metadata', {}).get('tags', [])]
    assert len(injected) == 1 and 'max_epochs = 1' in source(injected[0])
    text = result_text(executed)
    assert 'epochs trained: 1' in text, text
    assert (tmp_path / 'work' / 'latest.pth').exists()
    cli = subprocess.run([sys.executable, '-m', 'cls_lab.tools.notebook_result', str(out)],
                         capture_output=True, text=True, check=True)
    assert cli.stdout == text
