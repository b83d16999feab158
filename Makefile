# Fengqiao mediation case tracker — the two set-up commands are `make run` and `make test`.
# Works on a fresh Debian machine with Python 3.11: system packages are installed with apt-get
# when we are root, otherwise the exact command to run is printed and make stops.

PYTHON ?= $(shell command -v python3.11 || command -v python3)
VENV := .venv
BIN := $(VENV)/bin
HOST ?= 127.0.0.1
PORT ?= 5000

# Pango for WeasyPrint; libharfbuzz-subset0 or WeasyPrint falls back to a ~40x slower font
# subsetter on CJK fonts; fonts-noto-cjk for Chinese text; python3-venv for the virtualenv.
SYSTEM_PACKAGES := python3-venv libpango-1.0-0 libpangoft2-1.0-0 libharfbuzz-subset0 fonts-noto-cjk
# Browser tests drive Debian's Chromium through Playwright (no browser download).
TEST_SYSTEM_PACKAGES := chromium
# Benchmarks compare documents with LibreOffice and load pages with wrk under gunicorn; the sweep
# and pages suites also need a PostgreSQL server (BENCH_PG_URL, see docs/benchmarks.md).
BENCH_SYSTEM_PACKAGES := libreoffice-writer-nogui wrk

.PHONY: run test lint bench system-packages test-system-packages bench-system-packages install install-test \
	install-bench clean translations

run: install
	$(BIN)/mediation db upgrade
	$(BIN)/mediation seed-demo
	$(BIN)/mediation serve --host $(HOST) --port $(PORT)

# The suite runs on every core (pytest-xdist); `make test PYTEST_ARGS=-k\ sweep` narrows it.
PYTEST_ARGS ?=
test: install-test
	$(BIN)/python -m pytest -q -n auto $(PYTEST_ARGS)

lint: install-test
	$(BIN)/flake8 mediation workflows tests bench
	$(BIN)/isort --check-only --diff mediation workflows tests bench

bench: install-bench
	$(BIN)/python -m bench

system-packages:
	@./scripts/ensure-system-packages $(SYSTEM_PACKAGES)

test-system-packages:
	@./scripts/ensure-system-packages $(SYSTEM_PACKAGES) $(TEST_SYSTEM_PACKAGES)

bench-system-packages:
	@./scripts/ensure-system-packages $(SYSTEM_PACKAGES) $(TEST_SYSTEM_PACKAGES) $(BENCH_SYSTEM_PACKAGES)

$(BIN)/python: | system-packages
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip

$(VENV)/.installed: setup.cfg pyproject.toml | $(BIN)/python
	$(BIN)/python -m pip install --quiet -e .
	touch $@

$(VENV)/.installed-test: setup.cfg pyproject.toml | $(BIN)/python
	$(BIN)/python -m pip install --quiet -e ".[test]"
	touch $(VENV)/.installed $@

install: system-packages $(VENV)/.installed

install-test: test-system-packages $(VENV)/.installed-test

install-bench: bench-system-packages $(VENV)/.installed-test
	$(BIN)/python -m pip install --quiet -e ".[test,prod]"

# Forms use lazy_gettext as _l, which pybabel does not look for unless told (-k).
translations: install
	$(BIN)/pybabel extract -F babel.cfg -k _l -k lazy_gettext -o mediation/translations/messages.pot \
		--no-location --sort-output --project=fengqiao-mediation .
	$(BIN)/pybabel update -i mediation/translations/messages.pot -d mediation/translations --no-fuzzy-matching \
		--ignore-obsolete
	$(BIN)/pybabel compile -d mediation/translations

clean:
	rm -rf $(VENV) .pytest_cache .hypothesis
