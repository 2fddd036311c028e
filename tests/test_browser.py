"""Real-browser test: JupyterLab + headless Chromium run tests/browser/widgets.ipynb.

Every widget must render (its DOM present, its picture loaded), with no "Error displaying
widget" and no JavaScript console error. A screenshot of each widget goes to docs/img/.
Debian's chromium is driven by playwright (no browser download); skipped without it.
"""
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
NOTEBOOK = ROOT / 'tests' / 'browser' / 'widgets.ipynb'
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


@pytest.fixture(scope='module')
def lab(tmp_path_factory):
    """A JupyterLab server on a free local port serving a scratch copy of the notebook."""
    home = tmp_path_factory.mktemp('lab')
    work = home / 'work'
    work.mkdir()
    shutil.copy(NOTEBOOK, work / NOTEBOOK.name)   # the browser autosaves; keep the repo clean
    settings = home / 'settings' / '@jupyterlab' / 'notebook-extension'
    settings.mkdir(parents=True)
    # render every cell (no windowing), so every widget is in the DOM
    (settings / 'tracker.jupyterlab-settings').write_text('{"windowingMode": "none"}')
    notices = settings.parent / 'apputils-extension'
    notices.mkdir()   # no "get Jupyter news?" toast over the screenshots
    (notices / 'notification.jupyterlab-settings').write_text(
        '{"fetchNews": "false", "checkForUpdates": false}')
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


def wait_for(condition, timeout, what):
    deadline = time.time() + timeout
    while time.time() < deadline:
        value = condition()
        if value:
            return value
        time.sleep(0.5)
    raise AssertionError(f'timed out after {timeout} s waiting for {what}')


def kernel_idle(port):
    sessions = api(port, '/api/sessions')
    return bool(sessions) and all(s['kernel']['execution_state'] == 'idle' for s in sessions)


def test_widgets_render_in_jupyterlab(lab, tmp_path):
    sync_api = pytest.importorskip('playwright.sync_api')
    port, _work = lab
    console_errors = []
    with sync_api.sync_playwright() as playwright:
        context = playwright.chromium.launch_persistent_context(
            str(tmp_path / 'chromium-profile'), executable_path=CHROMIUM, headless=True,
            args=FLAGS, viewport={'width': 1400, 'height': 1000})
        try:
            page = context.new_page()
            page.on('console', lambda m: m.type == 'error' and console_errors.append(m.text))
            page.on('pageerror', lambda e: console_errors.append(str(e)))
            page.goto(f'http://127.0.0.1:{port}/lab/tree/{NOTEBOOK.name}?token={TOKEN}&reset')
            page.wait_for_selector('.jp-Notebook .jp-CodeCell', timeout=60_000)
            # the kernel must be up and idle before running, or the first cells get lost
            wait_for(lambda: kernel_idle(port), 60, 'the kernel to be idle')
            page.wait_for_selector('.jp-Notebook-ExecutionIndicator[data-status="idle"]',
                                   timeout=30_000)
            page.evaluate("window.jupyterapp.commands.execute('notebook:run-all-cells')")
            prompts = page.locator('.jp-CodeCell .jp-InputArea-prompt')
            count = prompts.count()

            def all_ran():
                texts = prompts.all_inner_texts()
                return all(t.strip() not in ('[ ]:', '[*]:', '') for t in texts) \
                    and kernel_idle(port)
            wait_for(all_ran, 150, f'the {count} code cells to run')
            body = page.inner_text('body')
            assert 'Error displaying widget' not in body
            errors = page.locator('.jp-OutputArea-output[data-mime-type="application/vnd.jupyter.stderr"]')
            tracebacks = [t for t in errors.all_inner_texts() if 'Traceback' in t or 'Error' in t]
            assert not tracebacks, tracebacks
            assert page.locator('.jupyter-widgets').count() > 0
            SHOTS.mkdir(parents=True, exist_ok=True)
            for css, shot in WIDGETS.items():
                widget = page.locator(f'.{css}')
                assert widget.count() == 1, f'{css}: {widget.count()} in the page'
                widget.scroll_into_view_if_needed()
                if css == 'cls-lab-config-editor':   # text views: the merged config is shown
                    merged = widget.locator('.widget-html pre').first
                    assert ' = ' in merged.inner_text() and 'loaded' in widget.inner_text()
                else:
                    # the live-training widget is the <img> itself; the others contain one
                    picture = page.locator(f'img.{css}, .{css} img.widget-image').first
                    wait_for(lambda: picture.evaluate('i => i.complete && i.naturalWidth > 0'),
                             20, f'the picture of {css}')
                widget.screenshot(path=str(SHOTS / shot))
        finally:
            context.close()
    assert not console_errors, console_errors
