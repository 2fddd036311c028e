# Two entry points, both idempotent: `make lab` (JupyterLab on notebooks/) and `make test`.
# The venv is rebuilt only when pyproject.toml changes (the stamp file records that).

PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.cls_lab-installed
# torch and torchvision are pinned as a matching pair; override on other machines if needed.
TORCH_SPEC ?= torch==2.14.1 torchvision==0.29.1
HEADLESS ?=
PORT ?= 8888

.PHONY: lab test venv kernel clean student book

venv: $(STAMP)

$(STAMP): pyproject.toml
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet $(TORCH_SPEC)
	$(BIN)/python -m pip install --quiet -e '.[dev]'
	$(BIN)/python -m pip install --quiet --no-deps grad-cam ttach   # vis-cam; --no-deps: its opencv-python needs libGL, opencv-python-headless serves
	$(BIN)/python -m ipykernel install --user --name cls_lab --display-name "Python (cls_lab)" >/dev/null
	touch $@

kernel: $(STAMP)

# `make lab LANG=zh_CN`: the Chinese notebooks in a Chinese JupyterLab (its own settings folder)
ZH := $(filter zh_CN%,$(LANG))
NOTEBOOK_DIR := notebooks$(if $(ZH),/zh_CN)
ZH_SETTINGS := work_dirs/lab-settings-zh_CN

lab: $(STAMP)
ifeq ($(HEADLESS),)
ifneq ($(ZH),)
	mkdir -p $(ZH_SETTINGS)/@jupyterlab/translation-extension
	echo '{"locale": "zh_CN"}' > $(ZH_SETTINGS)/@jupyterlab/translation-extension/plugin.jupyterlab-settings
endif
	$(if $(ZH),JUPYTERLAB_SETTINGS_DIR=$(ZH_SETTINGS)) $(BIN)/jupyter lab --notebook-dir=$(NOTEBOOK_DIR) --port=$(PORT)
else
	mkdir -p work_dirs
	$(BIN)/papermill --log-output --cwd $(NOTEBOOK_DIR) $(NOTEBOOK_DIR)/00_quickstart.ipynb work_dirs/00_quickstart.out.ipynb
	$(BIN)/python -m cls_lab.tools.notebook_result work_dirs/00_quickstart.out.ipynb
endif

test: $(STAMP)
	$(BIN)/python -m pytest tests notebooks --nbval-lax --nbval-cell-timeout=300 -p no:cacheprovider

# the learners' copy: exercise cells emptied, solutions left out (scripts/make_student.py)
student: $(STAMP)
	$(BIN)/python scripts/make_student.py --out student

# every notebook executed, as offline HTML pages + an index in build/book (scripts/build_book.py)
book: $(STAMP)
	$(BIN)/python scripts/build_book.py --out build/book

clean:
	rm -rf $(VENV) work_dirs .pytest_cache
