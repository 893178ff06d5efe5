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

# Timings on the lab, written to reports/bench/<date>/: the lab removed and
# built again (BENCH_CONVERGES times, timed), then re-runs and drills. Not a
# test, but it fails when a figure misses its target
BENCH_CONVERGES ?= 1
BENCH_RERUNS ?= 5
BENCH_DRILLS ?= 10
bench: venv
	$(BIN)/python scripts/bench.py --inventory $(LAB_INVENTORY) --converges $(BENCH_CONVERGES) --reruns $(BENCH_RERUNS) --drills $(BENCH_DRILLS)

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

MOLECULE_SCENARIOS ?= operations tls container
# Scenarios run on Debian 13 (the hosts' image, HASTACK_REDIS_SUITE): failover
# there carries the default scenario's checks as well
MOLECULE_TRIXIE_SCENARIOS ?= failover
# Scenarios that time nothing (converge, idempotence, verify, operations), each
# on its own Docker network, start first, in the background (make test: beside
# lint, unit, rules and build, which time nothing either).
MOLECULE_TOGETHER ?= operations
# Drill scenarios that run beside them, in the foreground (make test: after
# the checks). Their thresholds (the guide's failover < 10 s) leave room for
# a busy machine; the tighter ones (the fast profile's in tls, the container
# runtime's) run alone, one at a time, last.
MOLECULE_BESIDE ?= failover
MOLECULE_RUNS := $(addprefix bookworm:,$(MOLECULE_SCENARIOS)) $(addprefix trixie:,$(MOLECULE_TRIXIE_SCENARIOS))
molecule_select = $(foreach r,$(MOLECULE_RUNS),$(if $(filter $(1),$(lastword $(subst :, ,$(r)))),$(r)))
MOLECULE_RUNS_TOGETHER := $(call molecule_select,$(MOLECULE_TOGETHER))
MOLECULE_RUNS_BESIDE := $(filter-out $(MOLECULE_RUNS_TOGETHER),$(call molecule_select,$(MOLECULE_BESIDE)))
MOLECULE_RUNS_ALONE := $(filter-out $(MOLECULE_RUNS_TOGETHER) $(MOLECULE_RUNS_BESIDE),$(MOLECULE_RUNS))
MOLECULE_IMAGES := image engine-image $(if $(filter trixie:%,$(MOLECULE_RUNS)),image-trixie)

# Start the timing-free scenarios in the background, each in its own process
# group (pids in .cache/molecule/together.pids), logged to .cache/molecule/
define molecule_start_together
mkdir -p .cache/molecule; : > .cache/molecule/together.pids; \
for run in $(MOLECULE_RUNS_TOGETHER); do \
  suite=$${run%%:*}; s=$${run#*:}; \
  echo "== molecule test -s $$s on $$suite (in the background, log .cache/molecule/$$s-$$suite.log)"; \
  setsid -w bash -c 'start=$$(date +%s); HASTACK_REDIS_SUITE=$$0 molecule test -s $$1 < /dev/null > .cache/molecule/$$1-$$0.log 2>&1 || exit 1; \
    echo "== molecule scenario $$1 on $$0 passed in $$(( $$(date +%s) - start )) s" >> .cache/molecule/$$1-$$0.log' $$suite $$s & \
  echo "$$! $$suite $$s" >> .cache/molecule/together.pids; \
done
endef

# Run scenarios one at a time in the foreground; $$rc becomes 1 at the first
# that fails (the others are skipped)
define molecule_run
for run in $(1); do \
  [ $$rc -eq 0 ] || break; suite=$${run%%:*}; s=$${run#*:}; \
  echo "== molecule test -s $$s on $$suite"; start=$$(date +%s); \
  if HASTACK_REDIS_SUITE=$$suite molecule test -s $$s; then \
    echo "== molecule scenario $$s on $$suite passed in $$(( $$(date +%s) - start )) s"; else rc=1; fi; \
done
endef

# Wait for the background scenarios (or, once $$rc is not 0, stop them and
# remove their hosts) and show their logs; fail when anything failed
define molecule_wait_together
while read -r pid suite s; do \
  if [ $$rc -ne 0 ]; then { kill -TERM -- -$$pid 2>/dev/null || kill -TERM $$pid 2>/dev/null || true; }; wait $$pid || true; \
    HASTACK_REDIS_SUITE=$$suite molecule destroy -s $$s < /dev/null > /dev/null 2>&1 || true; \
    echo "== molecule test -s $$s on $$suite stopped (something beside it failed)"; continue; fi; \
  wait $$pid || rc=1; \
  echo "== molecule test -s $$s on $$suite"; cat .cache/molecule/$$s-$$suite.log; \
done < .cache/molecule/together.pids; \
[ $$rc -eq 0 ] || { echo "== failed (the output is above)"; exit 1; }
endef

molecule: venv $(MOLECULE_IMAGES)
	@set -e; $(molecule_start_together); rc=0; \
	$(call molecule_run,$(MOLECULE_RUNS_BESIDE)); \
	$(molecule_wait_together); \
	$(call molecule_run,$(MOLECULE_RUNS_ALONE)); exit $$rc

# The reference guide's single-host shape: up, twice converged, its commands and
# Tests 1-4, drills, converged again, down (tests/guide/)
guide: venv engine-image
	$(BIN)/pytest -q -s -m guide tests/guide

# The timing-free scenarios run beside the checks and the first drill
# scenarios; a failure stops them.
test: venv $(MOLECULE_IMAGES)
	@set -e; $(molecule_start_together); \
	rc=0; $(MAKE) --no-print-directory lint unit rules build || rc=1; \
	$(call molecule_run,$(MOLECULE_RUNS_BESIDE)); \
	$(molecule_wait_together); \
	$(call molecule_run,$(MOLECULE_RUNS_ALONE)); exit $$rc
	@$(MAKE) --no-print-directory guide
	@echo "make test: all checks passed"

clean:
	rm -rf .cache .collections
