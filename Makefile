# infra_toolkit: the two commands of README.md.
#   make report   create .venv, install, build reports/ecommerce-eks.html from the default plan
#   make test     same environment, whole test suite
PYTHON ?= python3
VENV   ?= .venv
PY     := $(VENV)/bin/python
STAMP  := $(VENV)/.installed

.PHONY: test bench report lint clean

$(STAMP): pyproject.toml
	test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip
	$(PY) -m pip install --quiet -e '.[dev]'
	touch $(STAMP)

test: $(STAMP)
	$(PY) -m pytest -q

bench: $(STAMP)
	@for f in benchmarks/bench_*.py; do echo "== $$f"; $(PY) $$f || exit 1; done

report: $(STAMP)
	@echo "make report arrives with the plan-report issue (#5)"; exit 1

lint: $(STAMP)
	$(VENV)/bin/ruff check infra_toolkit tests benchmarks
	$(VENV)/bin/mypy infra_toolkit

clean:
	rm -rf $(VENV) reports .pytest_cache
