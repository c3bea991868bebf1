# Two commands matter: `make demo` (set up and run the whole system) and `make test`.
SHELL := /bin/bash
PYTHON ?= $(shell command -v python3.11 || command -v python3)
UV_VERSION := 0.13.9
TOOLS := .tools
UV := $(TOOLS)/bin/uv
VENV := .venv
PY := $(VENV)/bin/python
export UV_PROJECT_ENVIRONMENT := $(CURDIR)/$(VENV)
export UV_PYTHON_DOWNLOADS := never

# Settings used only to run `check --deploy` against the production settings module.
DEPLOY_CHECK_ENV := DJANGO_SETTINGS_MODULE=portal.settings.production \
	SECRET_KEY=deploy-check-$(shell printf '%064d' 0 | tr 0 x) \
	ALLOWED_HOSTS=dichvucong.hochiminhcity.gov.vn \
	DATABASE_URL=postgres://portal@127.0.0.1:5432/portal REDIS_URL=redis://127.0.0.1:6379/0 \
	MACHINE_TOKEN_SECRET=deploy-check-machine-$(shell printf '%056d' 0 | tr 0 y) \
	VNEID_CLIENT_SECRET=deploy-check-vneid-secret \
	NATIONAL_PORTAL_PUSH_TOKEN=deploy-check-push-token \
	NATIONAL_PORTAL_CLIENT_SECRET=deploy-check-national-secret

.PHONY: venv demo test lint gates pytest schema messages run clean

$(UV):
	$(PYTHON) -m venv $(TOOLS)
	$(TOOLS)/bin/pip install --quiet --disable-pip-version-check "uv==$(UV_VERSION)"

$(VENV)/.synced: $(UV) pyproject.toml uv.lock
	$(UV) sync --locked --python $(PYTHON)
	touch $@

venv: $(VENV)/.synced

# The first manage.py run draws the demo's random secrets into var/secrets.json (dev settings).
demo: venv
	$(PY) manage.py migrate --noinput
	@echo "Demo secrets: var/secrets.json (random, drawn on the first run, owner-only)"
	$(PY) manage.py import_procedures data/procedures.json.gz
	$(PY) manage.py seed_demo
	DJANGO_SETTINGS_MODULE=sandbox.settings $(PY) manage.py migrate --noinput
	DJANGO_SETTINGS_MODULE=sandbox.settings $(PY) manage.py seed_sandbox
	@echo "Starting web (http://127.0.0.1:8000/), worker, beat and sandbox (http://127.0.0.1:8100/)"
	PYTHONUNBUFFERED=1 $(VENV)/bin/honcho start -f Procfile

run: venv
	PYTHONUNBUFFERED=1 $(VENV)/bin/honcho start -f Procfile

test: venv lint gates pytest

lint: venv
	$(VENV)/bin/ruff check .
	$(VENV)/bin/ruff format --check .

gates: venv
	$(PY) manage.py makemigrations --check --dry-run
	$(PY) manage.py spectacular --lang en --validate --fail-on-warn --file var/openapi.generated.yaml
	diff -u docs/openapi.yaml var/openapi.generated.yaml \
		|| (echo "docs/openapi.yaml is out of date: run 'make schema' and commit it" && exit 1)
	$(DEPLOY_CHECK_ENV) $(PY) manage.py check --deploy --fail-level WARNING

pytest: venv
	$(PY) -m pytest

schema: venv
	$(PY) manage.py spectacular --lang en --validate --fail-on-warn --file docs/openapi.yaml

messages: venv
	$(PY) manage.py makemessages -l vi -l en --no-obsolete --ignore '.venv/*' --ignore 'var/*' --ignore '.tools/*'
	$(PY) manage.py compilemessages --ignore '.venv/*' --ignore '.tools/*'

clean:
	rm -rf $(VENV) $(TOOLS) var
