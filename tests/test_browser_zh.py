"""Real-browser test of the Chinese edition: JupyterLab's own interface speaks Chinese.

`make lab LANG=zh_CN` gives JupyterLab the translation setting written here; Chromium opens
the Chinese quickstart and must see the Chinese menus and the notebook's Chinese title.
CLS_LAB_SCREENSHOTS=1 stores the screenshot as docs/img/jupyterlab_zh_CN.png.
"""
import os

import pytest

from test_browser import CHROMIUM, FLAGS, ROOT, SHOTS, TOKEN, lab_path, serve_lab, wait_for

ZH_QUICKSTART = ROOT / 'notebooks' / 'zh_CN' / '00_quickstart.ipynb'
LOCALE = ('@jupyterlab/translation-extension/plugin', '{"locale": "zh_CN"}')

pytestmark = [
    pytest.mark.skipif(not os.path.exists(CHROMIUM), reason=f'{CHROMIUM} is absent '
                       '(apt-get install chromium; .ci/run does it)'),
    pytest.mark.timeout(180),
]


def test_jupyterlab_menus_are_chinese(tmp_path):
    sync_api = pytest.importorskip('playwright.sync_api')
    shots = SHOTS if os.environ.get('CLS_LAB_SCREENSHOTS') == '1' else tmp_path / 'shots'
    with serve_lab(tmp_path / 'lab', [ZH_QUICKSTART], settings=[LOCALE]) as (port, _work), \
            sync_api.sync_playwright() as playwright:
        context = playwright.chromium.launch_persistent_context(
            str(tmp_path / 'chromium-profile'), executable_path=CHROMIUM, headless=True,
            args=FLAGS, viewport={'width': 1400, 'height': 900})
        try:
            page = context.new_page()
            page.goto(f'http://127.0.0.1:{port}/lab/workspaces/zh/tree/{lab_path(ZH_QUICKSTART)}'
                      f'?token={TOKEN}&reset')
            page.wait_for_selector('.jp-Notebook .jp-MarkdownCell', timeout=60_000)
            menus = page.locator('.lm-MenuBar-itemLabel')
            wait_for(lambda: '文件' in menus.all_inner_texts(), 30, 'the Chinese File menu (文件)')
            assert {'文件', '编辑', '运行'} <= set(menus.all_inner_texts()), menus.all_inner_texts()
            title = page.locator('.jp-MarkdownCell h1').first.inner_text()
            assert any('\u4e00' <= ch <= '\u9fff' for ch in title), title
            shots.mkdir(parents=True, exist_ok=True)
            page.screenshot(path=str(shots / 'jupyterlab_zh_CN.png'))
        finally:
            context.close()
