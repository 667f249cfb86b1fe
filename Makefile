# Two commands matter: `make demo` and `make test`. Everything else is a step they use.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed-stamp

.PHONY: demo test setup lint typecheck pytest lock fmt clean wheelhouse

$(STAMP): pyproject.toml requirements.lock
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install -q --upgrade pip
	$(BIN)/pip install -q -c requirements.lock -e '.[dev]'
	touch $(STAMP)

setup: $(STAMP)

demo: setup
	GRASSROOTS_DEBUG=true $(BIN)/grassroots demo

test: setup
	./scripts/system-deps.sh
	$(MAKE) lint typecheck pytest

lint: setup
	$(BIN)/ruff check grassroots tests benchmarks
	$(BIN)/ruff format --check grassroots tests benchmarks

typecheck: setup
	$(BIN)/mypy grassroots

pytest: setup
	DATABASE_URL=$${DATABASE_URL:-postgres://postgres@127.0.0.1:5432/postgres} DJANGO_SETTINGS_MODULE=grassroots.web.settings_test $(BIN)/python -m django makemigrations --check --dry-run
	$(BIN)/pytest -n 2 -p no:cacheprovider --durations=15

# Re-pin after changing pyproject.toml dependencies.
lock:
	$(BIN)/pip freeze --exclude-editable > requirements.lock

# Every wheel a production install needs, for a machine with no package index
# (docs/operations.md): the project's own wheel and its dependencies at the versions
# requirements.lock pins, built for this machine's Python and platform. WHEELHOUSE=DIR to put
# it elsewhere; EXTRAS=dev to add the development tools.
WHEELHOUSE ?= wheelhouse
EXTRAS ?=
wheelhouse: setup
	rm -rf $(WHEELHOUSE)
	$(BIN)/pip wheel --quiet --wheel-dir $(WHEELHOUSE) --constraint requirements.lock '.$(if $(EXTRAS),[$(EXTRAS)])'
	cp requirements.lock $(WHEELHOUSE)/requirements.lock

fmt: setup
	$(BIN)/ruff format grassroots tests benchmarks
	$(BIN)/ruff check --fix grassroots tests benchmarks

clean:
	rm -rf $(VENV) var/grassroots.sqlite3 test-output wheelhouse
