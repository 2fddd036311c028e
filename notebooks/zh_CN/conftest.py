"""Only the Chinese quickstart runs under nbval: the other notebooks' code cells are the
English notebooks' own cells (tests/test_zh_notebooks.py checks that), which already run."""
from pathlib import Path

HERE = Path(__file__).parent
collect_ignore = ['solutions'] + [path.name for path in HERE.glob('*.ipynb')
                                  if not path.name.startswith('00_')]
