# The lab's entry points. Every target that needs the host tools makes .venv first;
# every target that needs Docker makes sure an engine answers first.
.DEFAULT_GOAL := help
SHELL := /bin/bash

PYTHON ?= python3
VENV := .venv
PY := $(VENV)/bin/python
STAMP := $(VENV)/.installed
# The app images' interpreter: Debian 12's python3. Locks are resolved for it, not the host's.
IMAGE_PYTHON := 3.11.2
PYTEST_ARGS ?=

export TESTCONTAINERS_RYUK_DISABLED := true

# The test tiers (docs/tests.md): `unit` is the fast one, the pure core and the fake engine in
# under a minute; `sim` the seeded simulations; `test` all of them with the native and
# integration tests; `ci` what CI runs. pytest exits 5 when it selected no test, and make
# stops on any non-zero exit, so a tier that lost its tests fails instead of passing empty.
FAST_TIER := -m "not integration and not native and not sim"

.PHONY: help bench test unit sim ci check figures images engine lock venv clean-venv

help: ## show the targets
	@awk 'BEGIN {FS = ":.*## "} /^[a-z-]+:.*## / {printf "  make %-10s %s\n", $$1, $$2}' $(MAKEFILE_LIST)

bench: $(STAMP) engine ## run the benchmark on the default preset (builds only the images it uses)
	$(PY) -m lab build --for-run
	$(PY) -m lab run

test: $(STAMP) engine ## the full suite: unit, sim, native, integration on a real engine (builds all)
	@bash scripts/ensure-test-tools.sh
	$(PY) -m lab build
	$(PY) -m pytest $(PYTEST_ARGS)

unit: $(STAMP) ## the fast tier: pure core and fake engine, no Docker, no simulations (<60 s)
	$(PY) -m pytest $(FAST_TIER) $(PYTEST_ARGS) tests/unit

sim: $(STAMP) ## the seeded simulations of the statistics only (no Docker; a minute or two)
	$(PY) -m pytest -m sim $(PYTEST_ARGS) tests/unit

ci: ## what CI runs (.ci/run): make check, then make test
	bash .ci/run

check: $(STAMP) ## ruff (lint and format), mypy (strict on lab/), the layer contracts (lint-imports)
	$(VENV)/bin/ruff check lab tests apps images
	$(VENV)/bin/ruff format --check lab tests apps images
	$(VENV)/bin/mypy
	$(VENV)/bin/lint-imports --no-cache

figures: $(STAMP) ## the statistics' simulated coverage and error rates, before and after (~2 min)
	$(PY) -m lab figures

images: $(STAMP) engine ## build the images whose inputs changed
	$(PY) -m lab build

engine: ## make sure a Docker engine answers (installs and starts one on Debian as root)
	@bash scripts/ensure-engine.sh

venv: $(STAMP) ## the host tools, from requirements/host.lock

$(STAMP): requirements/host.lock
	test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --disable-pip-version-check --require-hashes -r requirements/host.lock
	touch $(STAMP)

lock: $(STAMP) ## re-resolve every lock (host tools; app locks for the image's Python)
	$(VENV)/bin/uv pip compile --quiet --universal --python-version 3.11 --generate-hashes \
		requirements/host.in -o requirements/host.lock
	# Every app folder: its lock is resolved for the image's interpreter, not the host's.
	for requirements in apps/*/requirements.in; do \
		$(VENV)/bin/uv pip compile --quiet --generate-hashes --python-version $(IMAGE_PYTHON) \
			--python-platform linux $$requirements -o $${requirements%.in}.lock || exit 1; \
	done

clean-venv: ## remove .venv
	rm -rf $(VENV)
