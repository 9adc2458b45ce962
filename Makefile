# Two entry points do all the set-up: `make demo` and `make test`.
SHELL := /bin/bash
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed-stamp
SYS_STAMP := $(VENV)/.system-stamp

.PHONY: demo test test-all setup system benchmark clean-outputs

$(STAMP): pyproject.toml
	@test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	@$(BIN)/python -m pip install -q --upgrade pip
	@$(BIN)/python -m pip install -q -e '.[dev]'
	@$(BIN)/python -m ipykernel install --sys-prefix --name python3 >/dev/null
	@touch $(STAMP)

$(SYS_STAMP): scripts/install-system-deps.sh tools/axe/package-lock.json
	@mkdir -p $(VENV)
	@bash scripts/install-system-deps.sh
	@if command -v npm >/dev/null 2>&1; then npm ci --silent --no-audit --no-fund --prefix tools/axe >/dev/null; \
	  else echo "mpanalysis: npm not found: accessibility checks (axe-core) will be skipped" >&2; fi
	@touch $(SYS_STAMP)

setup: $(STAMP) $(SYS_STAMP)

system: $(SYS_STAMP)

demo: setup
	$(BIN)/mpanalysis run --all

test: setup
	$(BIN)/python -m pytest -q -n 2 -m "not slow" --doctest-modules src tests

test-all: setup
	$(BIN)/python -m pytest -q --doctest-modules src tests

benchmark: setup
	$(BIN)/python benchmarks/run.py

clean-outputs:
	find outputs -mindepth 1 ! -name README.md -exec rm -rf {} +
