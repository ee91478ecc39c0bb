# The two commands: `make run` (the whole product locally) and `make test` (the whole suite).
# Both install what they need into .venv on first use.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed-$(shell cat requirements.txt requirements-dev.txt | sha1sum | cut -c1-12)

.PHONY: install run test lint unit integration e2e bench synth deploy token clean

$(STAMP): requirements.txt requirements-dev.txt
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install -q --upgrade pip
	$(BIN)/python -m pip install -q -r requirements-dev.txt
	rm -f $(VENV)/.installed-* && touch $(STAMP)

install: $(STAMP)

run: install
	$(BIN)/python -m local.run

lint: install
	$(BIN)/ruff check .

# pytest exits 5 when it collects nothing; make treats any non-zero exit as failure.
test: install lint
	$(BIN)/python -m pytest tests

unit integration e2e: install
	$(BIN)/python -m pytest tests/$@

bench: install
	$(BIN)/python -m tests.bench.run

synth: install
	cd infra && ../$(BIN)/python app.py

# One-time per account/region: cd infra && npx --yes aws-cdk@2 bootstrap
deploy: install
	cd infra && npx --yes aws-cdk@2 deploy -c stage=$(or $(STAGE),dev)

# `make token` mints for demo-buyer; `make token USER=demo-creator` for anyone (ignores the shell's $USER).
token: install
	@$(BIN)/python -m local.token --user $(if $(filter command line,$(origin USER)),$(USER),demo-buyer)

clean:
	rm -rf $(VENV) .local infra/cdk.out infra/chalice.out infra/.build
