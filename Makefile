# The two commands: `make run` (the whole product locally) and `make test` (the whole suite).
# Both install what they need into .venv on first use.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed-$(shell cat requirements.txt requirements-dev.txt | sha1sum | cut -c1-12)
# The browser test's npm packages (hls.js, playwright-core), pinned by tests/browser/package-lock.json.
BROWSER := tests/browser
NPM_STAMP := $(BROWSER)/node_modules/.installed-$(shell cat $(BROWSER)/package-lock.json | sha1sum | cut -c1-12)

.PHONY: install run test lint unit integration e2e browser bench synth deploy token clean ffmpeg chromium

$(STAMP): requirements.txt requirements-dev.txt
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install -q --upgrade "pip<26.3"  # chalice 1.34 requires pip<26.3
	$(BIN)/python -m pip install -q -r requirements-dev.txt
	rm -f $(VENV)/.installed-* && touch $(STAMP)

install: $(STAMP)

# Debian packages, installed only when their command is missing (CI runs as root; elsewhere sudo is asked for).
# `apt-get update` runs only when the install fails without it (a fresh machine's package lists are stale or empty).
SUDO := $(if $(filter 0,$(shell id -u)),,sudo)
APT_INSTALL := $(SUDO) env DEBIAN_FRONTEND=noninteractive apt-get install -y -q --no-install-recommends
define debian
	@command -v $(1) >/dev/null || $(APT_INSTALL) $(2) || { $(SUDO) apt-get update -q && $(APT_INSTALL) $(2); }
endef

# FFmpeg transcodes locally (the stand-in for MediaConvert) and ffprobe validates uploads.
ffmpeg:
	$(call debian,ffprobe,ffmpeg)

# Debian's Chromium plays the HLS in the browser test (never `playwright install`: no browser downloads).
chromium:
	$(call debian,chromium,chromium)

$(NPM_STAMP): $(BROWSER)/package.json $(BROWSER)/package-lock.json
	$(call debian,npm,npm)
	cd $(BROWSER) && npm ci --no-audit --no-fund --ignore-scripts --loglevel=error
	touch $@

run: install ffmpeg
	$(BIN)/python -m local.run

lint: install
	$(BIN)/ruff check .

# pytest exits 5 when it collects nothing; make treats any non-zero exit as failure.
test: install lint ffmpeg chromium $(NPM_STAMP)
	$(BIN)/python -m pytest tests

unit integration: install
	$(BIN)/python -m pytest tests/$@

e2e: install ffmpeg
	$(BIN)/python -m pytest tests/$@

browser: install ffmpeg chromium $(NPM_STAMP)
	$(BIN)/python -m pytest tests/$@

bench: install ffmpeg
	$(BIN)/python -m tests.bench.run

synth: install
	cd infra && ../$(BIN)/python app.py

# One-time per account/region: cd infra && npx --yes aws-cdk@2 bootstrap
# MEDIA_PUBLIC_KEY=<path to a PEM public key>: the key CloudFront verifies signed media URLs with (README: Deploying).
deploy: install
	cd infra && npx --yes aws-cdk@2 deploy -c stage=$(or $(STAGE),dev) \
		$(if $(MEDIA_PUBLIC_KEY),-c media_public_key=$(abspath $(MEDIA_PUBLIC_KEY)))

# `make token` mints for demo-buyer; `make token USER=demo-creator` for anyone (ignores the shell's $USER).
token: install
	@$(BIN)/python -m local.token --user $(if $(filter command line,$(origin USER)),$(USER),demo-buyer)

clean:
	rm -rf $(VENV) .local infra/cdk.out infra/chalice.out infra/.build $(BROWSER)/node_modules
