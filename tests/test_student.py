"""`make student`: valid notebooks, exercise cells emptied, solutions left out, sources untouched."""
import sys
from pathlib import Path

import nbformat
import pytest

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / 'scripts'))
from make_student import MARK, PLACEHOLDER, make_student, source_notebooks  # noqa: E402


def exercise_cells(notebook):
    return [c for c in notebook.cells if c.cell_type == 'code' and c.source.lstrip().startswith(MARK)]


@pytest.fixture(scope='module')
def student(tmp_path_factory):
    out = tmp_path_factory.mktemp('student')
    before = {p: p.read_bytes() for p in source_notebooks(ROOT / 'notebooks')}
    written = make_student(ROOT / 'notebooks', out)
    assert {p: p.read_bytes() for p in before} == before, 'make_student changed a source notebook'
    return out, written


def test_student_copy_has_every_notebook_but_no_solutions(student):
    out, written = student
    expected = [p.relative_to(ROOT / 'notebooks') for p in source_notebooks(ROOT / 'notebooks')]
    assert sorted(p.relative_to(out) for p in written) == sorted(expected)
    assert not any('solutions' in p.parts for p in written)
    assert (out / '09_runner_and_hooks.ipynb').exists()


def test_student_notebooks_are_valid_and_emptied(student):
    out, written = student
    emptied = expected = 0
    for path in written:
        notebook = nbformat.read(path, as_version=4)
        nbformat.validate(notebook)
        original = nbformat.read(ROOT / 'notebooks' / path.relative_to(out), as_version=4)
        assert len(notebook.cells) == len(original.cells)
        expected += len(exercise_cells(original))
        for cell, source in zip(notebook.cells, original.cells):
            if cell in exercise_cells(notebook):
                assert cell.source == PLACEHOLDER and not cell.outputs, path.name
                emptied += 1
            else:
                assert cell.source == source.source, f'{path.name}: a non-exercise cell changed'
    assert emptied == expected > 0


def test_out_must_not_be_the_notebooks(tmp_path):
    with pytest.raises(ValueError, match='overwrite'):
        make_student(tmp_path, tmp_path)
