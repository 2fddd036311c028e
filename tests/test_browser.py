"""Real-browser test: JupyterLab + headless Chromium run the widget notebooks.

tests/browser/widgets.ipynb shows all five widgets; notebooks 01, 02, 04 and 08 of the series
use theirs. In each, every widget must render (its DOM present, its picture loaded), show no
error of its own, and the page must have no "Error displaying widget" and no JavaScript
console error. CLS_LAB_SCREENSHOTS=1 refreshes the README's screenshots in docs/img/.
Debian's chromium is driven by playwright (no browser download); skipped without it.
"""
import contextlib
import json
import os
import shutil
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
CHROMIUM = '/usr/bin/chromium'
WIDGET_NOTEBOOK = ROOT / 'tests' / 'browser' / 'widgets.ipynb'
SHOTS = ROOT / 'docs' / 'img'
TOKEN = 'cls-lab-browser-test'
FLAGS = ['--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run',
         '--disable-background-networking', '--disable-component-update', '--disable-sync',
         '--disable-dev-shm-usage']
# CSS class each widget adds to itself -> screenshot name
WIDGETS = {
    'cls-lab-config-editor': 'config_editor.png',
    'cls-lab-pipeline-viewer': 'pipeline_viewer.png',
    'cls-lab-lr-curve-explorer': 'lr_curve_explorer.png',
    'cls-lab-feature-map-viewer': 'feature_map_viewer.png',
    'cls-lab-live-training': 'live_training.png',
}
# notebook -> the widgets it must show (the training notebooks run under nbval only: too slow here)
NOTEBOOKS = {
    WIDGET_NOTEBOOK: list(WIDGETS),
    ROOT / 'notebooks' / '01_registry.ipynb': ['cls-lab-config-editor'],
    ROOT / 'notebooks' / '02_config.ipynb': ['cls-lab-config-editor'],
    ROOT / 'notebooks' / '04_pipelines.ipynb': ['cls-lab-pipeline-viewer'],
    ROOT / 'notebooks' / '08_optimizers_and_schedules.ipynb': ['cls-lab-lr-curve-explorer'],
}
ERROR_RED = 'b00020'   # the colour every widget gives its own error messages

pytestmark = [
    pytest.mark.skipif(not os.path.exists(CHROMIUM), reason=f'{CHROMIUM} is absent '
                       '(apt-get install chromium; .ci/run does it)'),
    pytest.mark.timeout(240),
]


def free_port():
    with socket.socket() as s:
        s.bind(('127.0.0.1', 0))
        return s.getsockname()[1]


def api(port, path):
    url = f'http://127.0.0.1:{port}{path}?token={TOKEN}'
    with urllib.request.urlopen(url, timeout=5) as response:
        return json.loads(response.read())


def lab_path(notebook):
    """Where the served copy of ``notebook`` lives, relative to the server's root."""
    return notebook.relative_to(ROOT).as_posix()


@contextlib.contextmanager
def serve_lab(home, notebooks, settings=()):
    """A JupyterLab server on a free local port serving scratch copies of ``notebooks``.

    ``settings`` are extra (settings path, JSON text) pairs, e.g. the UI language.
    """
    work = home / 'work'   # the repository's layout, so links such as ../docs/img/x.png resolve
    for notebook in notebooks:   # the browser autosaves: keep the repository's copies clean
        target = work / lab_path(notebook)
        target.parent.mkdir(parents=True, exist_ok=True)
        shutil.copy(notebook, target)
    shutil.copytree(ROOT / 'docs' / 'img', work / 'docs' / 'img')
    settings = [  # render every cell (no windowing), so every widget is in the DOM
        ('@jupyterlab/notebook-extension/tracker', '{"windowingMode": "none"}'),
        # no "get Jupyter news?" toast over the screenshots
        ('@jupyterlab/apputils-extension/notification',
         '{"fetchNews": "false", "checkForUpdates": false}')] + list(settings)
    for name, text in settings:
        path = home / 'settings' / f'{name}.jupyterlab-settings'
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text)
    env = dict(os.environ, JUPYTERLAB_SETTINGS_DIR=str(home / 'settings'),
               JUPYTERLAB_WORKSPACES_DIR=str(home / 'workspaces'),
               JUPYTER_RUNTIME_DIR=str(home / 'runtime'), IPYTHONDIR=str(home / 'ipython'),
               PYTHONPATH=os.pathsep.join([str(ROOT), os.environ.get('PYTHONPATH', '')]),
               MPLBACKEND='module://matplotlib_inline.backend_inline', OMP_NUM_THREADS='1')
    port = free_port()
    server = subprocess.Popen(
        [sys.executable, '-m', 'jupyterlab', '--no-browser', '--ip=127.0.0.1', f'--port={port}',
         f'--ServerApp.root_dir={work}', f'--IdentityProvider.token={TOKEN}',
         '--ServerApp.open_browser=False', '--LabApp.expose_app_in_browser=True',
         '--LabApp.news_url=None', '--LabApp.check_for_updates_class=jupyterlab.NeverCheckForUpdate',
         '--LabApp.extension_manager=readonly'] + (['--allow-root'] if os.geteuid() == 0 else []),
        env=env, stdout=subprocess.DEVNULL, stderr=open(home / 'server.log', 'w'))
    try:
        deadline = time.time() + 60
        while True:
            try:
                api(port, '/api/status')
                break
            except OSError:
                if server.poll() is not None or time.time() > deadline:
                    raise RuntimeError('JupyterLab did not start:\n' + (home / 'server.log').read_text())
                time.sleep(0.5)
        yield port, work
    finally:
        server.terminate()
        try:
            server.wait(10)
        except subprocess.TimeoutExpired:
            server.kill()


@pytest.fixture(scope='module')
def lab(tmp_path_factory):
    with serve_lab(tmp_path_factory.mktemp('lab'), NOTEBOOKS) as served:
        yield served


def wait_for(condition, timeout, what):
    deadline = time.time() + timeout
    while time.time() < deadline:
        value = condition()
        if value:
            return value
        time.sleep(0.5)
    raise AssertionError(f'timed out after {timeout} s waiting for {what}')


def shut_down_kernels(port):
    """End every session (and its kernel): each test starts from a quiet server."""
    for session in api(port, '/api/sessions'):
        url = f'http://127.0.0.1:{port}/api/sessions/{session["id"]}?token={TOKEN}'
        urllib.request.urlopen(urllib.request.Request(url, method='DELETE'), timeout=10).close()


def kernel_idle(port):
    sessions = api(port, '/api/sessions')
    return bool(sessions) and all(s['kernel']['execution_state'] == 'idle' for s in sessions)


def run_all_cells(page, port, name):
    """Open notebook ``name``, wait for an idle kernel, run every cell, wait for the last."""
    # a workspace of its own per notebook, so no notebook of an earlier test is reopened
    workspace = Path(name).stem.replace('_', '-')
    page.goto(f'http://127.0.0.1:{port}/lab/workspaces/{workspace}/tree/{name}?token={TOKEN}&reset')
    page.wait_for_selector('.jp-Notebook .jp-CodeCell', timeout=60_000)
    # the kernel must be up and idle before running, or the first cells get lost
    wait_for(lambda: kernel_idle(port), 60, 'the kernel to be idle')
    page.wait_for_selector('.jp-Notebook-ExecutionIndicator[data-status="idle"]', timeout=30_000)
    page.evaluate("window.jupyterapp.commands.execute('notebook:run-all-cells')")
    prompts = page.locator('.jp-CodeCell .jp-InputArea-prompt')

    def all_ran():
        texts = prompts.all_inner_texts()
        return all(t.strip() not in ('[ ]:', '[*]:', '') for t in texts) and kernel_idle(port)
    wait_for(all_ran, 150, f'the {prompts.count()} code cells of {name} to run')


def check_widget(page, css):
    """The widget is in the page once or more, and its text or picture has been drawn."""
    widget = page.locator(f'.{css}').first
    assert page.locator(f'.{css}').count() >= 1, f'{css} is not in the page'
    widget.scroll_into_view_if_needed()
    if css == 'cls-lab-config-editor':   # text views: the first tab (merged or built) is shown
        first_view = widget.locator('.widget-html pre').first
        assert first_view.inner_text().strip() and '✓ loaded' in widget.inner_text()
    else:   # the live-training widget is the <img> itself; the others contain one
        picture = page.locator(f'img.{css}, .{css} img.widget-image').first
        wait_for(lambda: picture.evaluate('i => i.complete && i.naturalWidth > 0'),
                 20, f'the picture of {css}')
    return widget


@pytest.mark.parametrize('notebook', list(NOTEBOOKS), ids=lambda path: path.stem)
def test_widgets_render_in_jupyterlab(lab, tmp_path, notebook):
    sync_api = pytest.importorskip('playwright.sync_api')
    port, _work = lab
    console_errors = []
    shots = SHOTS if os.environ.get('CLS_LAB_SCREENSHOTS') == '1' else tmp_path / 'shots'
    with sync_api.sync_playwright() as playwright:
        context = playwright.chromium.launch_persistent_context(
            str(tmp_path / 'chromium-profile'), executable_path=CHROMIUM, headless=True,
            args=FLAGS, viewport={'width': 1400, 'height': 1000})
        try:
            page = context.new_page()
            page.on('console', lambda m: m.type == 'error' and console_errors.append(m.text))
            page.on('pageerror', lambda e: console_errors.append(str(e)))
            run_all_cells(page, port, lab_path(notebook))
            assert 'Error displaying widget' not in page.inner_text('body')
            errors = page.locator('.jp-OutputArea-output[data-mime-type="application/vnd.jupyter.stderr"]')
            tracebacks = [t for t in errors.all_inner_texts() if 'Traceback' in t or 'Error' in t]
            assert not tracebacks, tracebacks
            assert page.locator('.jupyter-widgets').count() > 0
            own_errors = page.locator(f'.jupyter-widgets [style*="{ERROR_RED}"]').all_inner_texts()
            assert not own_errors, f'a widget of {notebook.name} shows an error: {own_errors}'
            shots.mkdir(parents=True, exist_ok=True)
            for css in NOTEBOOKS[notebook]:
                widget = check_widget(page, css)
                if notebook == WIDGET_NOTEBOOK:
                    widget.screenshot(path=str(shots / WIDGETS[css]))
        finally:
            context.close()
            shut_down_kernels(port)
    assert not console_errors, console_errors
