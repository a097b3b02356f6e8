# Clearway: `make demo` runs it, `make test` tests it. Both set up .venv first on a fresh machine.
PYTHON ?= python3
VENV   := .venv
PY     := $(VENV)/bin/python
CW     := $(VENV)/bin/clearway
HOST   ?= 127.0.0.1
PORT   ?= 8000

.PHONY: install lock demo serve test test-fast bench load clean messages

install: $(VENV)/.installed

# Exact versions with their hashes come from requirements.lock; pyproject.toml only says which ranges we accept.
$(VENV)/.installed: pyproject.toml requirements.lock
	$(PYTHON) -m venv $(VENV)
	$(PY) -m pip install -q --upgrade pip
	$(PY) -m pip install -q --require-hashes -r requirements.lock
	$(PY) -m pip install -q --no-deps -e .
	touch $@

# Re-resolve the lock within pyproject.toml's ranges (newest allowed versions), with hashes.
lock: install
	$(VENV)/bin/uv pip compile pyproject.toml --extra postgresql --extra dev --generate-hashes --python-version 3.11 \
	  --custom-compile-command "make lock" -o requirements.lock

demo: install
	$(CW) db upgrade
	$(CW) demo tariffs
	$(CW) demo load --keys-file var/demo-keys.json
	@echo ""
	$(CW) demo users
	@echo ""
	@echo "Clearway demo: open http://$(HOST):$(PORT)/login and sign in as one of the users above,"
	@echo "or use the API at http://$(HOST):$(PORT)/docs."
	@echo "Demo API keys are above and in var/demo-keys.json. Try:"
	@echo "  curl -H \"Authorization: Bearer \$$(jq -r .keys.officer_au var/demo-keys.json 2>/dev/null || echo KEY)\" http://$(HOST):$(PORT)/api/v1/declarations"
	@echo ""
	$(CW) serve --host $(HOST) --port $(PORT)

serve: install
	$(CW) serve --host $(HOST) --port $(PORT)

# ruff first (its rules and why: pyproject.toml [tool.ruff]): it takes a second, the suite takes minutes.
test: install
	$(VENV)/bin/ruff check .
	$(PY) -m pytest -q

# Page text: extract the templates' messages and merge them into each language's catalogue (then translate the
# new entries in src/clearway/web/locale/<lang>/LC_MESSAGES/messages.po). The app reads the .po files as they are.
LOCALE := src/clearway/web/locale
messages: install
	$(VENV)/bin/pybabel extract -F $(LOCALE)/babel.cfg --no-location --sort-output -o $(LOCALE)/messages.pot src/clearway/web/templates
	$(VENV)/bin/pybabel update -N --ignore-obsolete -i $(LOCALE)/messages.pot -d $(LOCALE) -l es

bench: install
	@for b in benchmarks/bench_*.py; do echo "== $$b"; $(PY) $$b || exit 1; done

# Mixed load (issue 18): 32 clients for 60 s on PostgreSQL (2 workers; database load_run, created and dropped),
# then the check that nothing acknowledged is lost or stored twice and that the audit chain verifies.
# LOAD_ARGS passes options, e.g. make load LOAD_ARGS="--backend sqlite --json var/load.json".
LOAD_ARGS ?=
load: install
	$(PY) benchmarks/load.py $(LOAD_ARGS)

clean:
	rm -rf $(VENV) var .pytest_cache
