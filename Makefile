# The map of the project: `make help` lists the targets.
SHELL := /bin/bash
.DEFAULT_GOAL := help

include defaults.mk
export

VENV := .venv
PY := $(VENV)/bin/python
RASA := $(VENV)/bin/rasa
MODEL := models/clinic.tar.gz
export PYTHONPATH := $(CURDIR)

.PHONY: help install train run test lint validate unit integration e2e e2e-unpatched stories nlu-eval \
	browser bench bench-fuzz webchat chromium nginx lock clean deploy-check install-walk

help: ## List the targets
	@grep -E '^[a-z0-9-]+:.*## ' $(MAKEFILE_LIST) | sed 's/^[^:]*://' | \
		awk -F':.*## ' '{printf "  make %-10s %s\n", $$1, $$2}'

install: $(VENV)/.installed ## Create .venv with Python 3.10, install pinned packages and the project

# The project itself (pyproject.toml: the packages and the clinic-* commands) goes in last, in
# editable mode, without its dependencies (the pins above) and without build isolation (the
# venv's setuptools builds it: no download). A .venv that is a symlink is shared by several
# checkouts; installing this one there would make every other checkout import this one's code,
# so it is left out (the Makefile's PYTHONPATH finds the code instead).
$(VENV)/.installed: requirements.txt requirements-dev.txt constraints.txt pyproject.toml
	@python=$$(scripts/find_python.sh) || exit 1; \
	if [ ! -x $(PY) ] || [ "$$($(PY) -c 'import sys; print(sys.version_info[:2] == (3, 10))')" != True ]; then \
		rm -rf $(VENV) && "$$python" -m venv $(VENV); fi
	$(PY) -m pip install --quiet --disable-pip-version-check -r requirements-dev.txt -c constraints.txt
	@if [ -L $(VENV) ]; then echo "make install: .venv is a shared symlink; not installing this checkout into it"; \
	else $(PY) -m pip install --quiet --disable-pip-version-check --no-deps --no-build-isolation -e .; fi
	@touch $@
	@# The servers' only writable folder (the systemd unit's ReadWritePaths needs it to exist).
	@mkdir -p -m 0700 var

train: install ## Train the model (only when data, config or the NLU components changed)
	scripts/train_if_changed.sh

run: install train webchat ## Start the action server, Rasa server and chat page (Ctrl-C stops all)
	$(PY) scripts/run_all.py

test: lint validate deploy-check train unit integration stories nlu-eval e2e e2e-unpatched browser ## Everything CI runs: lint, validate, train, tests, NLU evaluation

lint: install ## Lint the Python code
	$(VENV)/bin/ruff check actions clinic components scripts staff_inbox tests migrations web

deploy-check: install ## Validate deploy/: Kubernetes manifests (schemas), systemd units (verify, exposure)
	$(PY) scripts/deploy_check.py

# A fresh one-machine install as a system user, started under the unit's file-system sandbox
# (emulated with a mount namespace: no systemd here); about 2-4 minutes, so not part of `test`.
install-walk: install train ## Install as a service user and start the systemd unit's command in its sandbox
	scripts/install_walk.sh

# Rasa warns about responses that only actions use; any other warning fails the target.
ALLOWED_UNUSED := utter_ask_rephrase|utter_default|utter_anything_else|utter_action_unavailable|utter_crisis_fallback
validate: install ## Check the training data and domain for errors and warnings
	@mkdir -p results
	$(RASA) data validate --max-history 5 2>&1 | tee results/validate.log; test $${PIPESTATUS[0]} -eq 0
	@! grep -E "UserWarning|ERROR" results/validate.log | grep -vE "'($(ALLOWED_UNUSED))' is not used"

# Test layers are pytest markers (pytest.ini, tests/conftest.py); tests/unit, integration, e2e and browser
# hold each file by its main layer, but the markers select (a store test parametrised over SQLite and
# PostgreSQL runs in both). A unit test may not reach PostgreSQL or Redis or start a server (a guard in
# tests/conftest.py fails it), so `make unit` needs neither.
unit: install ## Unit tests: pure logic and actions (no servers, no PostgreSQL or Redis)
	$(PY) -m pytest -q -m "not e2e and not browser and not integration" $(or $(TESTS),tests)

integration: install ## Integration tests: the real PostgreSQL and Redis, loopback HTTP/SMTP servers
	$(PY) -m pytest -q -m "integration and not e2e and not browser" $(or $(TESTS),tests)

# Conversation, end-to-end and browser tests also check every cached dialogue state against Rasa's
# own computation (components/dialogue_state_cache.py) and fail on any difference.
stories e2e browser: export CLINIC_VERIFY_STATE_CACHE = 1

# Run with the Rasa server's patches (components/rasa_patches.py); CLINIC_RASA_PATCHES=off make stories
# runs them on Rasa's own code (safety patches stay on, as on the server).
stories: train ## Conversation tests (tests/stories), failing on any wrong prediction
	$(PY) scripts/rasa_patched.py test core --stories tests/stories --model $(MODEL) --out results/stories \
		--fail-on-prediction-errors --no-plot

nlu-eval: train ## NLU evaluation on the held-out set; fails below the macro-F1 threshold
	$(RASA) test nlu --nlu tests/nlu_heldout --model $(MODEL) --out results/nlu --no-plot
	$(PY) scripts/check_nlu_report.py results/nlu/intent_report.json --min-macro-f1 0.95
	$(PY) scripts/guard_report.py

e2e: train nginx ## End-to-end tests against the real servers on spare ports (one set behind nginx)
	$(PY) -m pytest -q -m e2e $(or $(TESTS),tests)

# The conversation tests and the REST, crisis and resilience end-to-end tests with every performance
# patch off (components/rasa_patches.py): a right answer, above all a crisis answer, must never
# depend on a speed-up, and "off" keeps the safety patches (about 2 minutes).
# Any run can be made so: CLINIC_RASA_PATCHES=off make e2e TESTS=...
E2E_UNPATCHED := tests/e2e/test_e2e_rest.py tests/e2e/test_e2e_safety_net.py tests/e2e/test_e2e_resilience.py
e2e-unpatched: train nginx ## Stories and the REST, crisis, resilience e2e tests with the speed-ups off
	CLINIC_RASA_PATCHES=off $(PY) scripts/rasa_patched.py test core --stories tests/stories --model $(MODEL) \
		--out results/stories-unpatched --fail-on-prediction-errors --no-plot
	CLINIC_RASA_PATCHES=off $(PY) -m pytest -q -m e2e $(E2E_UNPATCHED)

bench: train ## Benchmarks: NLU quality, training, load vs a stock `rasa init` bot, fuzz; writes bench/results.json
	$(PY) bench/run_bench.py $(BENCH_ARGS)
	$(PY) bench/fuzz_run.py $(FUZZ_ARGS)

bench-fuzz: train ## Fuzz benchmark alone (FUZZ_ARGS=--quick for a smoke run); merges into bench/results.json
	$(PY) bench/fuzz_run.py $(FUZZ_ARGS)

web/vendor/rasa-webchat.version: scripts/fetch_webchat.sh
	scripts/fetch_webchat.sh

webchat: web/vendor/rasa-webchat.version ## Copy the chat widget from npm into web/vendor (no CDN)

chromium: ## Debian's chromium for the browser tests (installed with apt when missing)
	@test -x /usr/bin/chromium || { apt-get update && DEBIAN_FRONTEND=noninteractive apt-get install -y chromium; }

# The scale-out tests run the shipped deploy/nginx config in front of two Rasa servers.
nginx: ## Debian's nginx for the scale-out tests (installed with apt when missing)
	@test -x /usr/sbin/nginx || { apt-get update && DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends nginx; }

browser: train webchat chromium ## Browser tests: the chat page in Debian's chromium (Playwright)
	$(PY) -m pytest -q -m browser tests

lock: install ## Re-pin constraints.txt from the current .venv
	{ sed -n '1,2p' constraints.txt; $(PY) -m pip freeze | grep -v '^-e'; } > constraints.new
	mv constraints.new constraints.txt

clean: ## Remove the trained model and test results (keeps .venv and var/)
	rm -rf models results
