"""Build the book: execute the notebooks and write a static, offline HTML site (build/book/).

    .venv/bin/python scripts/build_book.py                    # every numbered notebook
    .venv/bin/python scripts/build_book.py notebooks/09_runner_and_hooks.ipynb --out /tmp/book
    .venv/bin/python scripts/build_book.py --no-execute       # the text and diagrams only

Why nbconvert's HTML exporter and a generated index page, not mkdocs-jupyter: nbconvert is
already installed with Jupyter (no new dependency, no theme to keep up to date), it turns one
executed notebook into one self-contained page (figures, and the diagrams of docs/img/ the
markdown shows, become data: URIs, so a page can be copied or mailed on its own), and the site needs no
navigation beyond a table of contents.

Offline means no request leaves the page:
* ipywidgets need their JavaScript manager (normally from a CDN) to draw from saved state;
  instead each widget output is replaced by a **snapshot**: its pictures, texts and control
  values as they were when the notebook finished, read from the widget state the execution
  recorded. Sliders do not move in the book; the notebook is where to play.
* MathJax and require.js would also come from a CDN, so they are left out: formulas show as
  their TeX source. (The template's mermaid loader asks the network only for mermaid diagrams,
  which these notebooks do not have.)
"""
import argparse
import base64
import html
import mimetypes
import re
import shutil
import time
from pathlib import Path

import nbformat
from nbclient import NotebookClient
from nbconvert import HTMLExporter

ROOT = Path(__file__).resolve().parents[1]
WIDGET_VIEW = 'application/vnd.jupyter.widget-view+json'
WIDGET_STATE = 'application/vnd.jupyter.widget-state+json'


def execute(notebook, path, timeout=600):
    """Run ``notebook`` (read from ``path``) in its folder, keeping the widgets' final state."""
    NotebookClient(notebook, timeout=timeout, kernel_name='python3', store_widget_state=True,
                   resources={'metadata': {'path': str(path.parent)}}).execute()
    return notebook


def _png_of(model):
    """The base64 PNG an ImageModel holds (its ``value`` travels as a binary buffer)."""
    for buffer in model.get('buffers', []):
        if buffer.get('path') == ['value']:
            return buffer['data']
    value = model['state'].get('value')
    return value if isinstance(value, str) else None


def widget_html(model_id, models, seen=None):
    """Static HTML for the widget ``model_id``: its images, texts and control values."""
    seen = set() if seen is None else seen
    if model_id in seen or model_id not in models:
        return ''
    seen.add(model_id)
    model = models[model_id]
    name, state = model['model_name'], model['state']
    if name == 'ImageModel':
        data = _png_of(model)
        fmt = state.get('format', 'png')
        return f'<img class="widget-snapshot" src="data:image/{fmt};base64,{data}">' if data else ''
    if name in ('HTMLModel', 'HTMLMathModel'):
        return f'<div>{state.get("value", "")}</div>'
    if name == 'LabelModel':
        return f'<div>{html.escape(str(state.get("value", "")))}</div>'
    if name == 'OutputModel':
        return ''.join(output_html(o) for o in state.get('outputs', []))
    parts = ''.join(widget_html(child.replace('IPY_MODEL_', ''), models, seen)
                    for child in state.get('children', []))
    if 'children' in state:
        tag = 'flex-direction:row' if name == 'HBoxModel' else 'flex-direction:column'
        return f'<div style="display:flex;{tag};gap:6px;flex-wrap:wrap">{parts}</div>'
    label = state.get('description') or name.replace('Model', '')
    if 'index' in state and '_options_labels' in state:          # dropdowns, toggle buttons
        labels, index = state['_options_labels'], state['index']
        return control(label, labels[index] if isinstance(index, int) and index < len(labels) else '')
    if 'value' in state and name != 'ButtonModel':               # sliders, text boxes, checkboxes
        return control(label, state['value'])
    return ''


def control(label, value):
    return (f'<span class="widget-control"><b>{html.escape(str(label))}</b>: '
            f'{html.escape(str(value))}</span>')


def output_html(output):
    """An output of an Output widget as HTML (pictures and text)."""
    data = output.get('data', {})
    if 'image/png' in data:
        return f'<img class="widget-snapshot" src="data:image/png;base64,{data["image/png"]}">'
    if 'text/html' in data:
        return ''.join(data['text/html'])
    text = output.get('text') or data.get('text/plain', '')
    return f'<pre>{html.escape("".join(text))}</pre>' if text else ''


def snapshot_widgets(notebook):
    """Replace every widget output by a static snapshot and drop the saved widget state."""
    models = notebook.metadata.get('widgets', {}).get(WIDGET_STATE, {}).get('state', {})
    count = 0
    for cell in notebook.cells:
        for index, output in enumerate(cell.get('outputs', [])):
            view = output.get('data', {}).get(WIDGET_VIEW)
            if view is None:
                continue
            body = widget_html(view['model_id'], models) or '<i>(widget: run the notebook to use it)</i>'
            cell.outputs[index] = nbformat.v4.new_output(
                'display_data', data={'text/html': f'<div class="widget-snapshot-box">{body}</div>'})
            count += 1
    notebook.metadata.pop('widgets', None)
    return count


LOCAL_IMG = re.compile(r'(<img[^>]*?src=")(?!data:|https?:)([^"]+)"')


def inline_image(match, folder):
    """A markdown picture (``../docs/img/x.svg``) as a data: URI, so the page stands alone."""
    file = (folder / html.unescape(match.group(2))).resolve()
    if not file.is_file():
        raise FileNotFoundError(f'{file}: a picture the notebook shows is missing')
    mime = mimetypes.guess_type(file.name)[0] or 'application/octet-stream'
    return f'{match.group(1)}data:{mime};base64,{base64.b64encode(file.read_bytes()).decode()}"'


EXTERNAL_SCRIPT = re.compile(r'<script src="https?://[^"]*"></script>')
STYLE = """<style>.widget-snapshot-box{border:1px dashed #bbb;padding:6px;margin:4px 0}
.widget-snapshot{max-width:100%}.widget-control{margin-right:12px;font-size:90%}</style>"""


def write_page(notebook, path, out):
    exporter = HTMLExporter(template_name='lab', embed_images=True, mathjax_url='')
    resources = {'metadata': {'path': str(path.parent), 'name': path.stem}}
    body, _ = exporter.from_notebook_node(notebook, resources=resources)
    body = body.replace('</head>', STYLE + '</head>', 1)
    body = EXTERNAL_SCRIPT.sub('', body)      # require.js: only the widget manager needs it
    body = LOCAL_IMG.sub(lambda m: inline_image(m, path.parent), body)
    target = out / f'{path.stem}.html'
    target.write_text(body, encoding='utf-8')
    return target


def title_of(notebook, path):
    for cell in notebook.cells:
        if cell.cell_type == 'markdown' and cell.source.startswith('# '):
            return cell.source.splitlines()[0][2:].strip()
    return path.stem


def write_index(entries, out):
    rows = '\n'.join(f'<li><a href="{html.escape(page.name)}">{html.escape(title)}</a>'
                     f' <small>({seconds:.0f} s)</small></li>' for page, title, seconds in entries)
    (out / 'index.html').write_text(f"""<!DOCTYPE html>
<html><head><meta charset="utf-8"><title>cls_lab — the notebooks</title>
<style>body{{font-family:sans-serif;max-width:50em;margin:2em auto;line-height:1.5}}</style></head>
<body><h1>cls_lab — the notebooks</h1>
<p>Each page is a notebook as it ran when the book was built (the time it took in brackets).
Widgets are snapshots; open the notebook in JupyterLab to use them.</p>
<ol>
{rows}
</ol></body></html>
""", encoding='utf-8')


def build(paths, out, run=True):
    """Write one page per notebook and an index into ``out``; return the pages."""
    out = Path(out)
    shutil.rmtree(out, ignore_errors=True)
    out.mkdir(parents=True)
    entries = []
    for path in map(Path, paths):
        notebook = nbformat.read(path, as_version=4)
        start = time.time()
        if run:
            execute(notebook, path.resolve())
        widgets = snapshot_widgets(notebook)
        page = write_page(notebook, path.resolve(), out)
        entries.append((page, title_of(notebook, path), time.time() - start))
        print(f'{page}: {widgets} widget snapshots, {time.time() - start:.0f} s')
    write_index(entries, out)
    return [page for page, _, _ in entries]


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument('notebooks', nargs='*', type=Path,
                        help='default: every notebooks/NN_*.ipynb')
    parser.add_argument('--out', type=Path, default=ROOT / 'build' / 'book')
    parser.add_argument('--no-execute', action='store_true', help='convert without running')
    args = parser.parse_args()
    paths = args.notebooks or sorted((ROOT / 'notebooks').glob('[0-9][0-9]_*.ipynb'))
    build(paths, args.out, run=not args.no_execute)
    print(f'open {args.out / "index.html"}')


if __name__ == '__main__':
    main()
