# Two commands on a fresh clone: `make synth` and `make test`. Each sets up what it
# needs (venv, pinned CDK CLI, Debian packages for the registry tests) only when
# the files that describe it changed.
SHELL := /bin/bash
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMPS := .stamps
CONFIG ?=
CDK_FLAGS := --no-notices --no-version-reporting
export JSII_SILENCE_WARNING_END_OF_LIFE_NODE_VERSION := 20
export CDK_DISABLE_CLI_TELEMETRY := true
export PIP_DISABLE_PIP_VERSION_CHECK := 1

.PHONY: setup synth test lint bench validate clean cdk-floor

setup: $(STAMPS)/venv $(STAMPS)/node $(STAMPS)/system

$(STAMPS)/venv: requirements.txt requirements-dev.txt pyproject.toml
	@mkdir -p $(STAMPS)
	@test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/pip install -q --upgrade pip
	@# setuptools says "Editable installation ... be careful with folders named like your package":
	@# our source roots map folders to packages on purpose, so that notice is only noise.
	PYTHONWARNINGS="ignore:Editable installation" $(BIN)/pip install -q -r requirements.txt -r requirements-dev.txt
	@touch $@

$(STAMPS)/node: package.json package-lock.json
	@mkdir -p $(STAMPS)
	npm ci --no-audit --no-fund --loglevel=error
	@touch $@

# docker-registry, skopeo and htpasswd back the real-registry tests. Installed with
# apt-get when we are root; otherwise those tests skip (and fail under CI=true).
$(STAMPS)/system: scripts/install-system-deps.sh
	@mkdir -p $(STAMPS)
	bash scripts/install-system-deps.sh
	@touch $@

# cdk.out is emptied first: templates of stacks an earlier config had must not linger beside the new ones.
synth: $(STAMPS)/venv $(STAMPS)/node
	$(BIN)/python -m ecr_ptc_app.cli validate --quiet $(CONFIG)
	rm -rf cdk.out
	PATH="$(CURDIR)/$(BIN):$$PATH" npx cdk synth $(CDK_FLAGS) --quiet $(if $(CONFIG),-c config=$(CONFIG))
	@echo "Templates written to $(CURDIR)/cdk.out (one *.template.json per stack)"

validate: $(STAMPS)/venv
	$(BIN)/python -m ecr_ptc_app.cli validate $(CONFIG)

# Static checks: ruff (pyflakes, bugbear, import order), the formatter, and mypy over the product code.
lint: $(STAMPS)/venv
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/mypy

# The suite runs on every core (pytest-xdist); PYTEST_WORKERS=0 runs it in one process.
PYTEST_WORKERS ?= auto
test: setup lint
	PATH="$(CURDIR)/$(BIN):$$PATH" $(BIN)/python -m pytest -n $(PYTEST_WORKERS) $(PYTEST_ARGS)

# The lowest aws-cdk-lib, constructs and cdk-nag pyproject.toml allows (needs PyPI): installed apart in
# .venv/cdk-floor, the aws_cdk names and keywords the code uses recorded as found there
# (tests/app/cdk_floor_surface.txt, which make test checks), then the construct and app tests run on them.
# Left out: the property test (minutes; the same constructs), the packaging test (the pinned versions),
# and one test of aws_cdk.assertions.Annotations, which 2.269.0's Python bindings cannot read under jsii
# 1.139+ ("Unknown interface: aws-cdk-lib.cloud_assembly_schema.MetadataEntry"): test code, not ours.
CDK_FLOOR := $(VENV)/cdk-floor
cdk-floor: setup
	$(BIN)/python -m tests.app.cdk_floor install $(CDK_FLOOR)
	PYTHONPATH=$(CDK_FLOOR) $(BIN)/python -m tests.app.cdk_floor record
	PYTHONPATH=$(CDK_FLOOR) PATH="$(CURDIR)/$(BIN):$$PATH" $(BIN)/python -m pytest tests/ecr_ptc tests/app \
	  --deselect tests/app/test_property.py --deselect tests/app/test_packaging.py \
	  --deselect tests/ecr_ptc/cache/test_cache_errors.py::test_kms_key_of_another_account_warns_once $(PYTEST_ARGS)

bench: setup
	PATH="$(CURDIR)/$(BIN):$$PATH" $(BIN)/python -m bench

clean:
	rm -rf cdk.out $(STAMPS) .pytest_cache
