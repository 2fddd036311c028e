"""Print the result of an executed notebook: the outputs of its cells tagged ``result``.

Used by ``make lab HEADLESS=1`` after papermill has run the quickstart:
``python -m cls_lab.tools.notebook_result work_dirs/00_quickstart.out.ipynb``.
"""
import json
import sys


def result_text(notebook):
    """The text outputs of the cells tagged 'result' (of the last code cell if none is)."""
    code_cells = [cell for cell in notebook['cells'] if cell['cell_type'] == 'code']
    tagged = [c for c in code_cells if 'result' in c.get('metadata', {}).get('tags', [])]
    lines = []
    for cell in tagged or code_cells[-1:]:
        for output in cell.get('outputs', []):
            if output.get('output_type') == 'stream':
                lines.append(''.join(output['text']))
            elif 'data' in output and 'text/plain' in output['data']:
                lines.append(''.join(output['data']['text/plain']) + '\n')
    return ''.join(lines)


def main(argv=None):
    argv = sys.argv[1:] if argv is None else argv
    if len(argv) != 1:
        print(__doc__.strip().split('\n')[0], file=sys.stderr)
        return 2
    with open(argv[0], encoding='utf-8') as f:
        notebook = json.load(f)
    text = result_text(notebook)
    if not text:
        print(f'{argv[0]}: no output in the result cell', file=sys.stderr)
        return 1
    print(text, end='')
    return 0


if __name__ == '__main__':
    sys.exit(main())
