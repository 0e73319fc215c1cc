# jejak: the two commands a newcomer needs are `make run` and `make test`.
PYTHON ?= python3.11
VENV   ?= .venv
BIN    := $(VENV)/bin
CORES  ?= 4
SNAKEMAKE := $(BIN)/snakemake

.PHONY: run test eval bench lint clean dry-run browser

# Base environment (no torch) from the lock file; re-created when the lock changes.
$(BIN)/.base-installed: requirements/base.lock pyproject.toml
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV) || python3 -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -r requirements/base.lock
	$(BIN)/python -m pip install --quiet --no-deps -e .
	touch $@

# Test environment: base + pytest, ruff, the SLURM plugin and the torch extra (CPU wheel).
$(BIN)/.dev-installed: $(BIN)/.base-installed requirements/dev.lock
	$(BIN)/python -m pip install --quiet -r requirements/dev.lock
	touch $@

run: $(BIN)/.base-installed
	$(SNAKEMAKE) --cores $(CORES) --workflow-profile profiles/default

dry-run: $(BIN)/.base-installed
	$(SNAKEMAKE) --cores $(CORES) --dry-run --workflow-profile profiles/default

lint: $(BIN)/.dev-installed
	$(BIN)/ruff check src tests workflow tools benchmarks evaluation
	$(SNAKEMAKE) --lint

# Headless Chromium for the report's browser test: installed from Debian where possible.
browser:
	@command -v chromium >/dev/null 2>&1 || { command -v apt-get >/dev/null 2>&1 && \
	  { apt-get install -y -qq chromium fonts-dejavu-core >/dev/null 2>&1 || \
	    { apt-get update -qq >/dev/null 2>&1 && \
	      apt-get install -y -qq chromium fonts-dejavu-core >/dev/null 2>&1; }; }; } || \
	  echo "Chromium could not be installed: the browser test will skip with a reason"

test: $(BIN)/.dev-installed lint browser
	$(BIN)/python -m pytest -q $(PYTEST_ARGS)

eval: $(BIN)/.base-installed
	$(BIN)/python evaluation/evaluate.py --cores $(CORES)

bench: $(BIN)/.dev-installed
	$(BIN)/python benchmarks/bench.py --cores $(CORES)

clean:
	rm -rf results logs resources/private .snakemake/incomplete
