# The two commands: `make run` (the whole product locally) and `make test` (the whole suite).
# Both install what they need into .venv on first use.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed-$(shell cat requirements.txt requirements-dev.txt | sha1sum | cut -c1-12)
# npm packages of two test folders, each pinned by its package-lock.json and installed once per lock (a stamp):
# the browser test's (hls.js, playwright-core) and the typed-client check's (openapi-typescript, typescript).
BROWSER := tests/browser
TYPESCRIPT := tests/typescript
npm_stamp = $(1)/node_modules/.installed-$(shell cat $(1)/package-lock.json | sha1sum | cut -c1-12)
NPM_STAMP := $(call npm_stamp,$(BROWSER))
TS_STAMP := $(call npm_stamp,$(TYPESCRIPT))

.PHONY: install run test check lint unit integration e2e browser bench synth deploy token clean ffmpeg chromium poppler

# pytest-xdist: one worker per core; `--dist loadgroup` keeps each xdist_group on one worker, so the tests sharing an
# expensive session fixture (the local runtime, the CDK synth: see tests/README.md) build it once. PYTEST_WORKERS=0
# runs in one process; PYTEST_ARGS adds options (e.g. PYTEST_ARGS="-k webhook"); the 25 slowest tests are printed at the end.
PYTEST_WORKERS ?= auto
PYTEST := $(strip $(BIN)/python -m pytest -n $(PYTEST_WORKERS) --dist loadgroup --durations=25 $(PYTEST_ARGS))
# `make test` reports its wall time: from make's start (installs and lint included) and of pytest alone.
MAKE_STARTED := $(shell date +%s)

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

# poppler-utils: the certificate PDF test renders the page (pdftoppm) and reads its text (pdftotext).
poppler:
	$(call debian,pdftotext,poppler-utils)

# Debian's Chromium plays the HLS in the browser test (never `playwright install`: no browser downloads).
chromium:
	$(call debian,chromium,chromium)

$(NPM_STAMP): $(BROWSER)/package.json $(BROWSER)/package-lock.json
$(TS_STAMP): $(TYPESCRIPT)/package.json $(TYPESCRIPT)/package-lock.json
$(NPM_STAMP) $(TS_STAMP):
	$(call debian,npm,npm)
	cd $(dir $(@D)) && npm ci --no-audit --no-fund --ignore-scripts --loglevel=error
	touch $@

run: install ffmpeg
	$(BIN)/python -m local.run

lint: install
	$(BIN)/ruff check .

# pytest exits 5 when it collects nothing; the recipe exits with pytest's code, so make fails on any non-zero exit.
test: install lint ffmpeg chromium poppler $(NPM_STAMP) $(TS_STAMP)
	@echo '$(PYTEST) tests'; started=$$(date +%s); $(PYTEST) tests; code=$$?; now=$$(date +%s); \
	echo "make test: pytest $$(( (now - started) / 60 ))m$$(( (now - started) % 60 ))s wall," \
	     "make test $$(( (now - $(MAKE_STARTED)) / 60 ))m$$(( (now - $(MAKE_STARTED)) % 60 ))s wall (pytest exit code $$code)"; \
	exit $$code

# The fast inner loop: lint, then the unit tests (in parallel too).
check: lint
	$(PYTEST) tests/unit

unit integration: install poppler
	$(PYTEST) tests/$@

e2e: install ffmpeg
	$(PYTEST) tests/$@

browser: install ffmpeg chromium $(NPM_STAMP)
	$(PYTEST) tests/$@

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
	rm -rf $(VENV) .local infra/cdk.out infra/chalice.out infra/.build $(BROWSER)/node_modules $(TYPESCRIPT)/node_modules
