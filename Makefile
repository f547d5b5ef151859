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

.PHONY: help bench test unit check figures images engine lock venv clean-venv

help: ## show the targets
	@awk 'BEGIN {FS = ":.*## "} /^[a-z-]+:.*## / {printf "  make %-10s %s\n", $$1, $$2}' $(MAKEFILE_LIST)

bench: $(STAMP) engine ## run the benchmark on the default preset (builds only the images it uses)
	$(PY) -m lab build --for-run
	$(PY) -m lab run

test: $(STAMP) engine ## every test: unit, then integration on a real engine (builds what it needs)
	@bash scripts/ensure-test-tools.sh
	$(PY) -m lab build
	$(PY) -m pytest $(PYTEST_ARGS)

unit: $(STAMP) ## the unit tests only: no Docker, no compiler needed, about a minute
	$(PY) -m pytest -m "not integration and not native" $(PYTEST_ARGS)

check: $(STAMP) ## ruff (lint and format), mypy (strict on lab/), the layer contracts (lint-imports)
	$(VENV)/bin/ruff check lab tests apps images
	$(VENV)/bin/ruff format --check lab tests apps images
	$(VENV)/bin/mypy
	$(VENV)/bin/lint-imports --no-cache

figures: $(STAMP) ## the statistics' simulated coverage and error rates, before and after (~90 s)
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
