# Gongyi: `make run` starts the demo on http://127.0.0.1:8000 (with its worker), `make test` runs every test.
SHELL := /bin/bash
VENV := .venv
PY := $(VENV)/bin/python
PIP_QUIET := --quiet --disable-pip-version-check
MO := locale/zh_Hans/LC_MESSAGES/django.mo
PARTS := $(sort $(wildcard locale/zh_Hans/LC_MESSAGES/parts/*.po))

.PHONY: run test lint format messages system-deps clean bench

$(VENV)/.installed: requirements.txt
	@scripts/system-deps.sh
	@test -x $(PY) || python3 -m venv $(VENV)
	@$(PY) -m pip install $(PIP_QUIET) --upgrade pip 2>&1 | grep -v "^WARNING: Location" || true
	@$(PY) -m pip install $(PIP_QUIET) -r requirements.txt 2>&1 | grep -v "^WARNING: Location" || true
	@$(PY) -c "import django, channels, allauth" || { echo "Installing the Python requirements failed." >&2; exit 1; }
	@touch $@

system-deps:
	@scripts/system-deps.sh

# The Chinese catalogue is assembled from one part per area of the code, then compiled.
messages: $(MO)
$(MO): $(PARTS)
	@scripts/system-deps.sh
	@msgcat --use-first -o locale/zh_Hans/LC_MESSAGES/django.po $(PARTS)
	@msgfmt --check-format -o $@ locale/zh_Hans/LC_MESSAGES/django.po

run: $(VENV)/.installed $(MO)
	@$(PY) manage.py migrate --noinput -v 0
	@$(PY) manage.py load_demo
	@echo "Starting Gongyi on http://127.0.0.1:8000 and its task queue's worker (Ctrl-C stops both)"
	@scripts/run.sh

# The suite runs in one process per core (pytest-xdist), each test file whole in one of them (a module's fixtures,
# such as the demo, are made once). `make test PYTEST_ARGS="-n 0 tests/..."` runs in this process alone.
PYTEST_XDIST ?= -n auto --dist loadfile
test: $(VENV)/.installed $(MO)
	@$(PY) manage.py makemigrations --check --dry-run -v 0 || { echo "Models changed without a migration." >&2; exit 1; }
	@$(VENV)/bin/lint-imports --no-cache >/tmp/gongyi-lint-imports.txt 2>&1 || { cat /tmp/gongyi-lint-imports.txt >&2; echo "The layers of .importlinter are broken (see above)." >&2; exit 1; }
	$(VENV)/bin/pytest $(PYTEST_XDIST) $(PYTEST_ARGS)

lint: $(VENV)/.installed
	$(VENV)/bin/ruff check .
	$(VENV)/bin/ruff format --check .

format: $(VENV)/.installed
	$(VENV)/bin/ruff format .
	$(VENV)/bin/ruff check --fix .

bench: $(VENV)/.installed $(MO)
	@for script in bench/bench_*.py; do [ -e "$$script" ] && $(PY) "$$script"; done; true

clean:
	rm -rf $(VENV) gongyi.sqlite3 gongyi.sqlite3-huey* staticfiles $(MO) locale/zh_Hans/LC_MESSAGES/django.po
