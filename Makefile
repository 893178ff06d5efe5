# hastack.redis — the two commands that matter: `make lab` and `make test`.
SHELL := /bin/bash
.DEFAULT_GOAL := help
VENV ?= .venv
BIN := $(CURDIR)/$(VENV)/bin
export PATH := $(BIN):$(PATH)
export ANSIBLE_CONFIG := $(CURDIR)/ansible.cfg
export ANSIBLE_FORCE_COLOR ?= 0
export PY_COLORS ?= 0
# RUNTIME=container: the reference guide's single-host shape, six containers
# on this machine's own engine (inventories/lab-container)
RUNTIME ?= systemd
LAB_INVENTORY := $(if $(filter container,$(RUNTIME)),inventories/lab-container,inventories/lab)
LAB_SCRIPT := $(if $(filter container,$(RUNTIME)),scripts/lab-container.sh,scripts/lab.sh)

.PHONY: help venv engine image image-trixie engine-image guide lab lab-down lab-status health drill bench lint unit rules build molecule test clean

help:
	@echo "make lab       build and converge the local six-host lab, print its health"
	@echo "               (RUNTIME=container: the guide's six containers on this machine's engine)"
	@echo "make test      lint, unit tests, collection build and the Molecule scenarios"
	@echo "make health    re-run the health check against the lab"
	@echo "make drill     failover drill on the lab (FAULT=crash by default, REPEAT=1)"
	@echo "make bench     timings on the lab: re-run, switchover, crash (both Sentinel profiles)"
	@echo "make lab-down  remove the lab"

venv:
	@scripts/venv.sh

engine:
	@scripts/engine.sh

image: engine
	@scripts/image.sh bookworm

image-trixie: engine
	@scripts/image.sh trixie

# The Redis image of the container runtime's tests, and its archives
engine-image: engine
	@scripts/engine-image.sh bookworm

lab: venv $(if $(filter container,$(RUNTIME)),,image)
	@$(LAB_SCRIPT) up
	ansible-playbook -i $(LAB_INVENTORY) playbooks/site.yml

lab-down:
	@$(LAB_SCRIPT) down

lab-status:
	@$(LAB_SCRIPT) status

health: venv
	ansible-playbook -i $(LAB_INVENTORY) playbooks/health.yml

FAULT ?= crash
REPEAT ?= 1
drill: venv
	ansible-playbook -i $(LAB_INVENTORY) playbooks/failover_drill.yml -e redis_drill_fault=$(FAULT) -e redis_drill_repeat=$(REPEAT)

# Timings on the lab (make lab first), written to reports/bench/<date>/: not a
# test, but it fails when a figure misses its target
BENCH_RERUNS ?= 5
BENCH_DRILLS ?= 10
bench: venv
	$(BIN)/python scripts/bench.py --reruns $(BENCH_RERUNS) --drills $(BENCH_DRILLS)

lint: venv
	yamllint -s .
	ansible-lint
	$(BIN)/python scripts/check_argument_specs.py
	$(BIN)/python scripts/role_docs.py --check

# The loopback tests (tests/live) mostly wait for Sentinel's timers: they run
# beside the pure and integration tests, their output shown after them.
unit: venv
	@scripts/test-deps.sh
	@mkdir -p .cache
	@$(BIN)/pytest -q -m live tests/live > .cache/unit-live.log 2>&1 & live=$$!; \
	rc=0; $(BIN)/pytest -q tests/unit tests/integration || rc=$$?; \
	wait $$live || rc=$$?; \
	echo "== tests/live"; cat .cache/unit-live.log; exit $$rc

# The Prometheus rules (prometheus/): promtool check rules and their unit tests
rules:
	@scripts/promtool.sh

build: venv
	mkdir -p .cache/build
	ansible-galaxy collection build --force --output-path .cache/build

MOLECULE_SCENARIOS ?= operations failover tls container
# Scenarios run a second time on Debian 13 (the hosts' image, HASTACK_REDIS_SUITE)
MOLECULE_TRIXIE_SCENARIOS ?= default
# Scenarios that time nothing (converge, idempotence, verify, operations), each
# on its own Docker network: their runs go side by side first, the others (the
# drills assert timings) one at a time after them.
MOLECULE_TOGETHER ?= operations default
MOLECULE_RUNS := $(addprefix bookworm:,$(MOLECULE_SCENARIOS)) $(addprefix trixie:,$(MOLECULE_TRIXIE_SCENARIOS))
MOLECULE_RUNS_TOGETHER := $(foreach r,$(MOLECULE_RUNS),$(if $(filter $(MOLECULE_TOGETHER),$(lastword $(subst :, ,$(r)))),$(r)))
MOLECULE_RUNS_ALONE := $(filter-out $(MOLECULE_RUNS_TOGETHER),$(MOLECULE_RUNS))
molecule: venv image engine-image $(if $(strip $(MOLECULE_TRIXIE_SCENARIOS)),image-trixie)
	@set -e; mkdir -p .cache/molecule; pids=""; \
	for run in $(MOLECULE_RUNS_TOGETHER); do \
	  suite=$${run%%:*}; s=$${run#*:}; \
	  echo "== molecule test -s $$s on $$suite (side by side, log .cache/molecule/$$s-$$suite.log)"; \
	  ( start=$$(date +%s); HASTACK_REDIS_SUITE=$$suite molecule test -s $$s > .cache/molecule/$$s-$$suite.log 2>&1; \
	    echo "== molecule scenario $$s on $$suite passed in $$(( $$(date +%s) - start )) s" >> .cache/molecule/$$s-$$suite.log ) & \
	  pids="$$pids $$!"; \
	done; \
	rc=0; for p in $$pids; do wait $$p || rc=1; done; \
	for run in $(MOLECULE_RUNS_TOGETHER); do \
	  suite=$${run%%:*}; s=$${run#*:}; echo "== molecule test -s $$s on $$suite"; cat .cache/molecule/$$s-$$suite.log; \
	done; \
	[ $$rc -eq 0 ] || { echo "== a scenario run side by side failed (its log is above)"; exit 1; }; \
	for run in $(MOLECULE_RUNS_ALONE); do \
	  suite=$${run%%:*}; s=$${run#*:}; \
	  echo "== molecule test -s $$s on $$suite"; start=$$(date +%s); \
	  HASTACK_REDIS_SUITE=$$suite molecule test -s $$s; \
	  echo "== molecule scenario $$s on $$suite passed in $$(( $$(date +%s) - start )) s"; \
	done

# The reference guide's single-host shape: up, twice converged, its commands and
# Tests 1-4, drills, converged again, down (tests/guide/)
guide: venv engine-image
	$(BIN)/pytest -q -s -m guide tests/guide

test: lint unit rules build molecule guide
	@echo "make test: all checks passed"

clean:
	rm -rf .cache .collections
