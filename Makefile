# `make run` and `make test` set up everything they need on a fresh machine.
PYTHON ?= python3.11
VENV := .venv
PY := $(VENV)/bin/python
STAMP := $(VENV)/.installed

.PHONY: run test lint fmt setup deps browser redis nginx fonts bench clean

setup: $(STAMP) node_modules/.package-lock.json

$(STAMP): pyproject.toml
	@test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PY) -m pip install -q --upgrade pip
	$(PY) -m pip install -q -e '.[dev]'
	@touch $(STAMP)

# (a node_modules that is a symlink, as in a git worktree sharing another's, is left alone:
# `npm ci` would empty the folder it points to)
node_modules/.package-lock.json: package.json package-lock.json
	@if [ -L node_modules ]; then touch -h node_modules; else npm ci --no-audit --no-fund; fi

# Debian packages the tests need: Chromium for the browser tests, Redis for the message-queue tests.
browser:
	@command -v chromium >/dev/null || { apt-get update -qq && apt-get install -y -qq chromium; }

redis:
	@command -v redis-server >/dev/null || { apt-get update -qq && apt-get install -y -qq redis-server; }

# nginx in front of `drafting serve --workers N` (tests/test_cluster.py). The cluster runs its
# own nginx from a folder beside the database; the package's system service is not used.
nginx:
	@command -v nginx >/dev/null || test -x /usr/sbin/nginx || { apt-get update -qq && apt-get install -y -qq nginx; }

# Fonts the PDF export needs for what delegates write: with DejaVu alone, Chinese and emoji
# come out as empty boxes (drafting/publish/print.css names the families).
NOTO_FONTS := fonts-noto-core fonts-noto-cjk fonts-noto-color-emoji
fonts:
	@dpkg -s $(NOTO_FONTS) >/dev/null 2>&1 || { apt-get update -qq && apt-get install -y -qq $(NOTO_FONTS); }

deps: setup browser redis nginx fonts

run: setup fonts
	$(VENV)/bin/drafting serve --demo

lint: setup
	$(VENV)/bin/ruff check drafting tests benchmarks
	$(VENV)/bin/ruff format --check drafting tests benchmarks
	$(VENV)/bin/mypy

fmt: setup
	$(VENV)/bin/ruff format drafting tests benchmarks
	$(VENV)/bin/ruff check --fix drafting tests benchmarks

test: deps lint
	$(PY) -m pytest -q

bench: setup
	$(PY) benchmarks/live_edit.py

clean:
	rm -rf $(VENV) node_modules .pytest_cache .mypy_cache tests/artifacts
