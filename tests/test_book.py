"""`make book`: executed notebooks become offline HTML pages whose figures and widgets render.

Builds two pages only (the whole book runs every notebook: far too slow for `make test`): a
tiny executed notebook with a matplotlib figure and a widget, and notebook 09 unexecuted
(its markdown diagram). Chromium opens them from file:// with every network request refused.
"""
import os
import re
import sys
from pathlib import Path

import nbformat
import pytest

ROOT = Path(__file__).resolve().parents[1]
CHROMIUM = '/usr/bin/chromium'
sys.path.insert(0, str(ROOT / 'scripts'))
from build_book import build  # noqa: E402

TINY = [
    nbformat.v4.new_markdown_cell('# A tiny page\n\nA plain Figure, a pyplot figure and a widget.'),
    nbformat.v4.new_code_cell("import os\nimport cls_lab\nimport cls_lab.viz as viz\n"
                              "from cls_lab.config import Config\nos.chdir(cls_lab.ROOT)\n"
                              "lr = Config.fromfile('configs/_base_/schedules/digits_bs32_coslr.py')\n"
                              "viz.plot_lr_schedule(lr.lr_config)   # before pyplot drew anything"),
    nbformat.v4.new_code_cell("import matplotlib.pyplot as plt\nplt.plot([0, 1, 0])\nplt.show()"),
    nbformat.v4.new_code_cell("viz.LRCurveExplorer(lr, iters_per_epoch=5)"),
]


@pytest.fixture(scope='module')
def book(tmp_path_factory):
    work = tmp_path_factory.mktemp('book')
    tiny = work / 'tiny.ipynb'
    notebook = nbformat.v4.new_notebook(cells=TINY)
    notebook.metadata['kernelspec'] = dict(name='python3', display_name='Python 3', language='python')
    nbformat.write(notebook, tiny)
    out = work / 'site'
    build([tiny], out)
    build([ROOT / 'notebooks' / '09_runner_and_hooks.ipynb'], out / 'unrun', run=False)
    return out


def test_pages_are_self_contained(book):
    page = (book / 'tiny.html').read_text()
    assert page.count('src="data:image/png;base64,') >= 3          # two figures and the widget
    assert '&lt;Figure size' not in page, 'a Figure showed as its repr, not its picture'
    assert 'widget-snapshot-box' in page and 'application/vnd.jupyter.widget-view' not in page
    assert not re.search(r'<script[^>]+src="https?://', page), 'a script would load from the web'
    assert 'href="tiny.html"' in (book / 'index.html').read_text()
    diagram = (book / 'unrun' / '09_runner_and_hooks.html').read_text()
    assert 'src="../docs/img/' not in diagram and 'alt="The runner' in diagram   # the svg is inlined


@pytest.mark.skipif(not os.path.exists(CHROMIUM), reason=f'{CHROMIUM} is absent (apt-get install chromium)')
@pytest.mark.timeout(120)
def test_figures_render_offline_in_chromium(book, tmp_path):
    sync_api = pytest.importorskip('playwright.sync_api')
    refused, errors = [], []
    with sync_api.sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, headless=True,
                                             args=['--no-sandbox', '--disable-gpu', '--no-first-run'])
        try:
            page = browser.new_page()
            page.on('pageerror', lambda e: errors.append(str(e)))

            def route(request_route):
                url = request_route.request.url
                if url.startswith(('file:', 'data:')):
                    return request_route.continue_()
                refused.append(url)
                return request_route.abort()
            page.route('**/*', route)
            for html, least in ((book / 'tiny.html', 3), (book / 'unrun' / '09_runner_and_hooks.html', 1)):
                page.goto(html.as_uri())
                page.wait_for_load_state('load')
                pictures = page.locator('img')
                assert pictures.count() >= least, html.name
                drawn = pictures.evaluate_all('all => all.map(i => i.complete && i.naturalWidth > 0)')
                assert all(drawn), f'{html.name}: pictures not drawn: {drawn}'
                assert 'Traceback' not in page.inner_text('body')
            page.goto((book / 'index.html').as_uri())
            page.click('text=A tiny page')
            assert page.url.endswith('tiny.html')
        finally:
            browser.close()
    assert not refused, f'the pages asked the network for {refused}'
    assert not errors, errors
