SHELL := /bin/bash
VENV := .venv
PY := $(VENV)/bin/python
RASA := $(VENV)/bin/rasa
export PYTHONPATH := $(CURDIR)
export TF_CPP_MIN_LOG_LEVEL := 2
export PYTHONWARNINGS := ignore
export RASA_TELEMETRY_ENABLED := false

.PHONY: setup lock run run-prod shell train leader-code review-export supplier-report reconcile test lint test-unit test-rasa test-services migrate seed staff eval bench chaos clean

## Create .venv with Python 3.10 and install the locked dependencies (idempotent).
setup:
	@bash scripts/setup.sh

## Re-resolve requirements.in into requirements.lock (needs the registry).
lock:
	@bash scripts/lock.sh

## Train if needed, migrate and seed the embedded database, start every process.
run:
	@$(PY) -m bot.cli run

## The production profile: PostgreSQL, Redis lock store, RabbitMQ events, two Rasa
## replicas and two action servers behind nginx on RASA_PORT (README, "Production profile").
run-prod:
	@$(PY) -m bot.launcher prod

## Chat with the running assistant in this terminal (start `make run` first):
## make shell [SENDER=demo-2 | SENDER=leader-1]
SENDER ?= demo-1
shell:
	@$(PY) -m bot.cli shell --sender "$(SENDER)"

train:
	@$(PY) -m bot.cli train

migrate:
	@$(PY) -m bot.cli migrate

seed:
	@$(PY) -m bot.cli seed

## Create a desk account; asks for the password:
## make staff STAFF_USERNAME=wang STAFF_ROLE=agent STAFF_NAME=小王 [STAFF_ARGS=--leader-id=1]
staff:
	@$(PY) -m bot.cli staff-create --username "$(STAFF_USERNAME)" --role "$(STAFF_ROLE)" \
		--name "$(STAFF_NAME)" $(STAFF_ARGS)

## A one-time code a group leader binds their chat with: make leader-code POINT=PP01
leader-code:
	@$(PY) -m bot.cli leader-code --pickup-point "$(POINT)"

## The week's supplier quality incidents as Excel-safe CSV (stdout, or OUT=file.csv):
## make supplier-report WEEK=2026-W47 [SUPPLIER=SUP01] [OUT=report.csv]
supplier-report:
	@$(PY) -m bot.cli supplier-report --week "$(WEEK)" \
		$(if $(SUPPLIER),--supplier "$(SUPPLIER)") $(if $(OUT),--out "$(OUT)")

## Refunds by destination and state, coupons, store balances of a date range, and whether
## the ledgers balance (exit 1 when not): make reconcile FROM=2026-11-01 TO=2026-11-30
reconcile:
	@$(PY) -m bot.cli reconcile --from "$(FROM)" --to "$(TO)"

## Leads' wrong-intent marks as Rasa NLU YAML: make review-export OUT=data/nlu/reviewed.yml
review-export:
	@$(PY) -m bot.cli review-export $(if $(OUT),--out "$(OUT)")

## Everything that needs no outside service: Rasa's checks, then the pytest suite
## (unit, action and end-to-end tests; the model is trained once and cached).
test: lint test-rasa test-unit

lint:
	@$(VENV)/bin/ruff check .

test-unit:
	@$(PY) -m pytest -m "not services" -q -p no:warnings

test-rasa:
	@bash scripts/test_rasa.sh

## Tests against PostgreSQL on loopback (TEST_POSTGRES_URL); they fail without it.
test-services:
	@$(PY) -m pytest -m services -q -p no:warnings

## Known vulnerabilities in requirements.lock (pip-audit in var/audit-venv; needs PyPI's JSON
## API). Exit 0 clean, 1 untriaged finding, 2 could not audit (README, "Dependency audit").
audit:
	@bash scripts/audit.sh

## NLU figures on the held-out data (eval/) through a real /model/parse.
eval:
	@$(PY) -m bot.evaluation.run

## Performance figures, printed (README, "Performance"): plain-Rasa baseline, the embedded
## default and the production profile under load, a soak, the leads' list at 100k.
## make bench [SOAK_SECONDS=600] [BENCH_SECONDS=30] [BENCH_PHASES=baseline,embedded,prod,review]
bench:
	@$(PY) -m bot.bench.run

## Faults under load on the production profile (PostgreSQL, RabbitMQ, a private
## redis-server): a Rasa replica, an action server and the WeChat gateway killed, Redis
## restarted, WeChat's API down 30 s, the database's connections dropped; prints what was
## checked, exit 1 on a failed check (README, "Faults"). make chaos [SCENARIOS="redis wechat"] [CHAOS_SECONDS=45]
chaos:
	@$(PY) -m bot.chaos.run $(SCENARIOS)

clean:
	rm -rf models/ var/ results/ .pytest_cache/
