# Two commands matter: `make run` (the whole product on the embedded stack)
# and `make test` (the whole suite). Both build their own virtualenv.
PYTHON ?= python3
VENV := .venv
PY := $(VENV)/bin/python
STAMP := $(VENV)/.installed

.PHONY: run test bench package deploy clean

$(STAMP): requirements.txt requirements-dev.txt
	$(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip
	$(PY) -m pip install --quiet -r requirements-dev.txt
	touch $(STAMP)

run: $(STAMP)
	$(PY) -m infra.local

test: $(STAMP)
	$(PY) -m tests.run_suite

bench: $(STAMP)
	$(PY) -m bench

clean:
	rm -rf $(VENV) build test-artifacts .pytest_cache
