# Entry points for a fresh machine with Python 3.11 and pip:
#   make repro     create .venv and run the whole pipeline on the embedded defaults (dvc repro)
#   make test      create .venv and run lint + the fast tests: every unit and fast integration test
#                  (slow, pipeline, Isaac Lab and browser tests deselected), under 8 minutes on 2 cores
#   make test-all  create .venv and run lint + the full suite, which CI runs (.ci/run)
# All are idempotent: the venv is rebuilt only when requirements.lock or pyproject.toml change.
PYTHON ?= $(shell command -v python3.11 || command -v python3)
VENV   := .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed-$(shell cat requirements.lock pyproject.toml | sha256sum | cut -c1-16)
export DVC_NO_ANALYTICS := 1
export PYTHONUNBUFFERED := 1

.PHONY: venv repro test test-all lint bench review clean-venv isaaclab-env docs docs-serve
BASE ?= main

venv: $(STAMP)

$(STAMP): requirements.lock pyproject.toml
	rm -f $(VENV)/.installed-*
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --disable-pip-version-check -q -r requirements.lock
	$(BIN)/python -m pip install --disable-pip-version-check -q --no-deps -e .
	touch $@

# Stage commands say `python`: the venv's bin goes first on PATH so they run in this environment.
repro: venv
	PATH="$(CURDIR)/$(BIN):$$PATH" $(BIN)/dvc repro

FAST := not slow and not pipeline and not isaaclab

test: venv lint
	$(BIN)/python -m pytest -m "$(FAST)"

test-all: venv lint
	$(BIN)/python -m pytest

lint: venv
	$(BIN)/ruff check .
	$(BIN)/ruff format --check stages src tests benchmarks

review: venv
	PATH="$(CURDIR)/$(BIN):$$PATH" $(BIN)/python scripts/review.py --base $(BASE) --out review

bench: venv
	$(BIN)/python benchmarks/objects.py

# The Isaac Lab worker's own Python 3.12 environment (~3 GB download, ~8.5 GB on disk), built once per
# envs/isaaclab/requirements.lock under ${DEXGEN_ENV_HOME:-~/.cache/dexgen/envs}/isaaclab-<lock hash>.
isaaclab-env: venv
	$(BIN)/python -m dexgen.sim.isaaclab.environment

# The documentation site (mkdocs.yml, docs/): strict, so a broken link or a stale generated page fails.
export NO_MKDOCS_2_WARNING := 1
docs: venv
	$(BIN)/python scripts/gen_docs.py --check
	$(BIN)/mkdocs build --strict --site-dir site

docs-serve: venv
	$(BIN)/mkdocs serve --strict --dev-addr 127.0.0.1:8000

clean-venv:
	rm -rf $(VENV)
