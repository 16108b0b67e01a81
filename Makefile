# `make demo` and `make test` both start with `make setup`, which is idempotent:
# it only redoes a step when its inputs changed.
VENV    ?= .venv
PYTHON  ?= python3
PY      := $(VENV)/bin/python
PYTEST_ARGS ?=

JS_BUNDLE := liveview/static/liveview/liveview.js

.PHONY: setup demo test js migrate hooks chromium bench clean

setup: $(VENV)/.stamp-pip node_modules/.stamp-npm $(JS_BUNDLE) hooks migrate chromium

$(VENV)/.stamp-pip: setup.cfg setup.py pyproject.toml constraints.txt liveview/core/_tracking.c \
		liveview/core/_diff.c liveview/core/_frames.c liveview/runtime/_stepping.c
	test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PY) -m pip install -q --disable-pip-version-check -c constraints.txt -e '.[dev]'
	touch $@

node_modules/.stamp-npm: package.json package-lock.json
	npm ci --no-audit --no-fund
	touch $@

$(JS_BUNDLE): node_modules/.stamp-npm $(wildcard assets/*)
	npm run --silent build

js: node_modules/.stamp-npm
	npm run --silent build

migrate: $(VENV)/.stamp-pip
	$(PY) manage.py migrate --noinput -v 0

# The demo's colocated hooks (static/liveview/colocated_hooks.js); rewritten only when changed.
hooks: $(VENV)/.stamp-pip
	$(PY) manage.py liveview_build_hooks -v 0

# Debian's chromium for the browser tests (Playwright drives /usr/bin/chromium;
# never `playwright install`, which downloads its own browser).
chromium:
	@if [ ! -x /usr/bin/chromium ]; then \
		SUDO=$$( [ "$$(id -u)" = 0 ] || echo sudo ); \
		$$SUDO apt-get update -qq && \
		DEBIAN_FRONTEND=noninteractive $$SUDO apt-get install -y -qq chromium >/dev/null; \
	fi

demo: setup
	$(PY) manage.py runserver 127.0.0.1:8000

test: setup
	$(VENV)/bin/ruff check .
	$(VENV)/bin/mypy
	$(VENV)/bin/lint-imports
	$(PY) -m pytest $(PYTEST_ARGS)

bench: setup
	for b in bench/*.py; do $(PY) $$b || exit 1; done

clean:
	rm -rf $(VENV) node_modules $(JS_BUNDLE) $(JS_BUNDLE).map
