# infra_toolkit: the two commands of README.md.
#   make report   create .venv, install, build reports/ecommerce-eks.html from the default plan
#   make test     same environment, whole test suite
PYTHON ?= python3
VENV   ?= .venv
PY     := $(VENV)/bin/python
STAMP  := $(VENV)/.installed

.PHONY: test bench report lint clean browser

$(STAMP): pyproject.toml
	test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip
	$(PY) -m pip install --quiet -e '.[dev]'
	touch $(STAMP)

# One pytest-xdist worker per core, each with its own PostgreSQL and temp folders (tests/conftest.py);
# loadgroup sends tests marked xdist_group(NAME) to one worker.
test: $(STAMP) browser
	$(PY) -m pytest -q -n auto --dist loadgroup

# Debian's chromium for the offline-report browser test (never a browser download). Installs only
# where apt-get can; elsewhere the test skips and says why.
browser:
	@command -v chromium >/dev/null 2>&1 || { \
	  echo "installing Debian chromium for the report browser test"; \
	  apt-get install -y -q chromium >/dev/null 2>&1 || \
	  { apt-get update -q >/dev/null 2>&1 && apt-get install -y -q chromium >/dev/null 2>&1; } || \
	  echo "warning: could not install chromium; the browser test will be skipped"; }

bench: $(STAMP)
	@for f in benchmarks/bench_*.py; do echo "== $$f"; $(PY) $$f || exit 1; done

# The default plan's review document; the CLI prints the path (and size and build time).
report: $(STAMP)
	$(VENV)/bin/infra-toolkit report plans/ecommerce-eks.yaml

lint: $(STAMP)
	$(VENV)/bin/ruff check infra_toolkit tests benchmarks pricing_data notebooks
	$(VENV)/bin/mypy infra_toolkit

clean:
	rm -rf $(VENV) reports .pytest_cache
