# The two commands the README promises, plus helpers.
PYTHON ?= python3
export NO_MKDOCS_2_WARNING := 1

.PHONY: demo test deps deps-demo base evidence bench clean

# The demo image's base: Debian bookworm minbase + python3 + the service's pinned wheels, built once by
# debootstrap and cached as an OCI layout (no registry needed). FORCE=1 rebuilds it.
DEMO_BASE ?= $(HOME)/.cache/shipit/bases/debian-bookworm-python3-orders

# A throwaway signing key for the demo only (never use it for real releases): generated once under .cache/.
DEMO_KEY_DIR := .cache/demo-key
DEMO_KEY_ENV := SHIPIT_SIGNING_KEY=$(DEMO_KEY_DIR)/cosign.key SHIPIT_KEY_PASSWORD=demo-only-not-secret

## make demo: install what the demo needs and cut release/1.0.0 of examples/orders-service (no daemon).
demo: deps-demo base evidence $(DEMO_KEY_DIR)/cosign.key
	$(DEMO_KEY_ENV) $(PYTHON) -m shipit release --version 1.0.0 --config examples/orders-service/shipit.yaml --output release --force
	$(PYTHON) -m shipit verify release/1.0.0 --key $(DEMO_KEY_DIR)/cosign.pub

$(DEMO_KEY_DIR)/cosign.key:
	$(DEMO_KEY_ENV) $(PYTHON) -m shipit keygen --output-dir $(DEMO_KEY_DIR)

## make test: install the test dependencies (apt, pip, npm) and run the whole suite.
test: deps
	$(PYTHON) -m pytest -n 2 --dist loadgroup --durations=40

deps:
	scripts/install-deps.sh --test

deps-demo:
	scripts/install-deps.sh --demo

## make evidence: run the demo service's own tests under coverage (JUnit + coverage XML for the release).
evidence:
	PYTHON=$(PYTHON) scripts/demo-evidence.sh

## make base: build (once) the Debian base images the demo's native image build starts from: linux/amd64
## (debootstrap) and its linux/arm64 twin (the same packages unpacked, no arm64 code run) in $(DEMO_BASE)-arm64.
base:
	scripts/build-debian-base.sh $(DEMO_BASE) examples/orders-service/requirements.txt
	scripts/build-debian-base-arm64.sh $(DEMO_BASE) $(DEMO_BASE)-arm64 examples/orders-service/requirements.txt

## make bench: run the benchmarks in bench/ (prints ratios against the standard tools).
bench: deps
	$(PYTHON) bench/run_all.py

clean:
	rm -rf release/[0-9]* release/.staging-* release/.trash-* .pytest_cache
