# `make book` and `make test` set themselves up: they create .venv with
# everything the book and the tests need, then build or test.
SHELL := /bin/bash
.SHELLFLAGS := -eo pipefail -c

PYTHON ?= python3
VENV ?= .venv
PY := $(VENV)/bin/python
JB := $(VENV)/bin/jupyter-book

# Quiet TensorFlow's C++ logging and keep every run off the network. No
# MPLBACKEND here: the notebooks need the inline backend for glued figures.
export TF_CPP_MIN_LOG_LEVEL := 3
export DAEKERAS_OFFLINE := 1
export KERAS_BACKEND := tensorflow
export PYTHONHASHSEED := 0

.PHONY: setup book test test-unit test-notebooks test-book benchmark clean

$(VENV)/.installed: pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip
	$(PY) -m pip install --quiet -e ".[book,test]"
	touch $@

setup: $(VENV)/.installed

# The execution cache is keyed on the notebooks' own source. A change to the
# package, the stored results or the data would not re-execute them, so it
# drops the cache: a rendered page never shows output of older code.
CACHE_INPUTS := pyproject.toml $(shell find daekeras results data -type f -not -path '*/__pycache__/*' 2>/dev/null)
_build/.cache-inputs: $(CACHE_INPUTS)
	rm -rf _build/.jupyter_cache
	mkdir -p _build
	touch $@

## Render the book to _build/html (executes only what changed since the last build).
book: setup _build/.cache-inputs
	$(JB) build . 

## Every test: unit tests, every notebook under nbval, a strict book build.
test: test-unit test-notebooks test-book

test-unit: setup
	$(PY) -m pytest -p no:cacheprovider -m "not book" tests

test-notebooks: setup
	$(PY) -m pytest --nbval-lax --nbval-current-env --nbval-cell-timeout=900 -p no:cacheprovider book/

test-book: setup _build/.cache-inputs
	$(JB) build . -n -W --keep-going
	$(PY) -m pytest -p no:cacheprovider -m book tests

benchmark: setup
	$(PY) benchmarks/run.py

clean:
	rm -rf _build .pytest_cache
