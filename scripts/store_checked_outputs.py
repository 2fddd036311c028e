"""Run notebooks and keep only the outputs nbval will check: cells marked # NBVAL_CHECK_OUTPUT.

Every other cell is stored without outputs (and unrun), so the repository holds no
plots or timings, while `pytest --nbval-lax` compares the marked cells with a reference:

    .venv/bin/python scripts/store_checked_outputs.py notebooks/01_registry.ipynb [...]
"""
import sys
from pathlib import Path

import nbformat
from nbclient import NotebookClient

MARK = '# NBVAL_CHECK_OUTPUT'


def is_checked(cell):
    return cell.cell_type == 'code' and cell.source.lstrip().startswith(MARK)


def store(path):
    path = Path(path)
    notebook = nbformat.read(path, as_version=4)
    NotebookClient(notebook, timeout=600, kernel_name='python3', store_widget_state=False,
                   resources={'metadata': {'path': str(path.parent)}}).execute()
    for cell in notebook.cells:
        if cell.cell_type != 'code':
            continue
        if not is_checked(cell):
            cell.outputs, cell.execution_count = [], None
        for output in cell.outputs:
            output.pop('execution_count', None) if output.get('output_type') != 'execute_result' else None
        cell.metadata.pop('execution', None)
    notebook.metadata.pop('widgets', None)   # widget state: pictures of one run, not source
    nbformat.write(notebook, path)
    print(f'{path}: kept outputs of {sum(map(is_checked, notebook.cells))} checked cells')


if __name__ == '__main__':
    for name in sys.argv[1:]:
        store(name)
