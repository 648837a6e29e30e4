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

.PHONY: setup synth test lint bench validate clean

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

test: setup lint
	PATH="$(CURDIR)/$(BIN):$$PATH" $(BIN)/python -m pytest $(PYTEST_ARGS)

bench: setup
	PATH="$(CURDIR)/$(BIN):$$PATH" $(BIN)/python -m bench

clean:
	rm -rf cdk.out $(STAMPS) .pytest_cache
