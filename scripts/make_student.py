"""Write the student copy of the notebooks: exercise cells emptied, solutions left out.

An exercise code cell starts with the line ``# YOUR TURN``; in the copy it keeps that line and
a ``# ...`` placeholder, with no outputs. Everything else is copied as it is. The copy keeps
the layout of notebooks/ (zh_CN/ included, solutions/ left out) so the notebooks' relative
links (``../docs/img/...``) still resolve:

    .venv/bin/python scripts/make_student.py            # -> student/
    .venv/bin/python scripts/make_student.py --out /tmp/class
"""
import argparse
import shutil
from pathlib import Path

import nbformat

ROOT = Path(__file__).resolve().parents[1]
MARK = '# YOUR TURN'
PLACEHOLDER = MARK + '\n# ...'


def is_exercise(cell):
    return cell.cell_type == 'code' and cell.source.lstrip().startswith(MARK)


def student_notebook(notebook):
    """A copy of ``notebook`` whose exercise cells hold only the mark and a placeholder."""
    copy = nbformat.from_dict(notebook)
    for cell in copy.cells:
        if is_exercise(cell):
            cell.source, cell.outputs, cell.execution_count = PLACEHOLDER, [], None
    return copy


def source_notebooks(notebooks_dir):
    """Every notebook under ``notebooks_dir`` except the solutions and Jupyter's checkpoints."""
    return sorted(p for p in Path(notebooks_dir).rglob('*.ipynb')
                  if not {'solutions', '.ipynb_checkpoints'} & set(p.relative_to(notebooks_dir).parts))


def make_student(notebooks_dir=ROOT / 'notebooks', out=ROOT / 'student'):
    """Write the student copies into ``out`` (emptied first); return the written paths."""
    notebooks_dir, out = Path(notebooks_dir), Path(out)
    if out.resolve() == notebooks_dir.resolve():
        raise ValueError(f'--out {out} would overwrite the notebooks themselves')
    shutil.rmtree(out, ignore_errors=True)
    written = []
    for path in source_notebooks(notebooks_dir):
        target = out / path.relative_to(notebooks_dir)
        target.parent.mkdir(parents=True, exist_ok=True)
        copy = student_notebook(nbformat.read(path, as_version=4))
        nbformat.validate(copy)
        nbformat.write(copy, target)
        written.append(target)
    return written


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument('--notebooks', default=ROOT / 'notebooks', type=Path)
    parser.add_argument('--out', default=ROOT / 'student', type=Path)
    args = parser.parse_args()
    written = make_student(args.notebooks, args.out)
    emptied = sum(is_exercise(c) for p in written for c in nbformat.read(p, as_version=4).cells)
    print(f'{len(written)} notebooks -> {args.out} ({emptied} exercise cells emptied)')


if __name__ == '__main__':
    main()
