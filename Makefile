# Two commands matter: `make run` (the whole product on the embedded stack)
# and `make test` (the whole suite). Both build their own virtualenv.
PYTHON ?= python3
VENV := .venv
PY := $(VENV)/bin/python
STAMP := $(VENV)/.installed
TOOLS := .venv-tools
TOOLS_STAMP := $(TOOLS)/.installed
STAGE ?= dev
REGION ?= eu-central-1

.PHONY: run demo test lint bench package deploy clean

# the last install puts the `leadflow` command line into .venv/bin (its pinned
# needs come with requirements-dev.txt)
$(STAMP): requirements.txt requirements-dev.txt requirements-cli.txt pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip
	$(PY) -m pip install --quiet -r requirements-dev.txt
	$(PY) -m pip install --quiet --no-deps -e .
	touch $(STAMP)

$(TOOLS_STAMP): requirements-tools.txt
	$(PYTHON) -m venv $(TOOLS)
	$(TOOLS)/bin/python -m pip install --quiet --upgrade pip
	$(TOOLS)/bin/python -m pip install --quiet -r requirements-tools.txt
	touch $(TOOLS_STAMP)

run: $(STAMP)
	$(PY) -m infra.local

# `make run` with a month of demo leads arriving through the API (README)
demo: $(STAMP)
	LEADFLOW_SEED=demo $(PY) -m infra.local

test: lint $(TOOLS_STAMP)
	$(PY) -m tests.run_suite

# what `make test` checks first; `ruff format .` and `ruff check --fix .` mend most of it
lint: $(STAMP)
	$(VENV)/bin/ruff check .
	$(VENV)/bin/ruff format --check .

bench: $(STAMP)
	$(PY) -m bench

# build/$(STAGE)/template.json (+ Chalice's deployment.zip); offline
package: $(STAMP)
	$(PY) -m infra.package --stage $(STAGE) --region $(REGION)

# Deploys to the account of your AWS CLI credentials (README "Deploy to AWS").
deploy: package
	@test -n "$(ARTIFACT_BUCKET)" || (echo "set ARTIFACT_BUCKET=<an S3 bucket in $(REGION)>" >&2; exit 2)
	@test -n "$(SES_IDENTITY)" || (echo "set SES_IDENTITY=<your verified SES domain or address>" >&2; exit 2)
	aws cloudformation package --region $(REGION) --template-file build/$(STAGE)/template.json \
	  --s3-bucket $(ARTIFACT_BUCKET) --s3-prefix leadflow-$(STAGE) --output-template-file build/$(STAGE)/packaged.json
	aws cloudformation deploy --region $(REGION) --template-file build/$(STAGE)/packaged.json \
	  --stack-name leadflow-$(STAGE) --capabilities CAPABILITY_IAM CAPABILITY_AUTO_EXPAND \
	  --parameter-overrides SesIdentity=$(SES_IDENTITY)
	aws cloudformation describe-stacks --region $(REGION) --stack-name leadflow-$(STAGE) \
	  --query "Stacks[0].Outputs" --output table

clean:
	rm -rf $(VENV) $(TOOLS) build test-artifacts .pytest_cache
