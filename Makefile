# The two commands of the README:
#   make book   -- set up .venv if needed, execute the notebooks (cached) and write the site to _build/html
#   make test   -- set up .venv if needed, then unit tests, nbval on every notebook, a strict site build,
#                  and a browser test of the built site (headless Chromium, network cut off)
# Both do their own set-up on a fresh machine: a virtual environment in .venv with requirements.txt
# and qgan_helpers installed in editable mode.

PYTHON ?= python3
VENV   := .venv
BIN    := $(CURDIR)/$(VENV)/bin
STAMP  := $(VENV)/.installed
JOBS   ?= 2
CACHE  := _build/.jupyter_cache
CHROMIUM ?= /usr/bin/chromium

export PATH := $(BIN):$(PATH)
export PYTHONHASHSEED := 0

.PHONY: setup execute book student test unit notebooks strict-book browser browser-deps clean

$(STAMP): requirements.txt pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --disable-pip-version-check -r requirements.txt
	$(BIN)/python -m pip install --quiet --disable-pip-version-check --no-deps --no-build-isolation -e .
	$(BIN)/python -m ipykernel install --sys-prefix --name python3 --display-name "Python 3 (qgan course)" >/dev/null
	touch $(STAMP)

setup: $(STAMP)

# Runs every notebook once, one per core, into the site build's execution cache; the build then
# only renders. jcache exits 0 even when a notebook fails: such a notebook is not cached, so the
# build runs it again and reports its traceback (and the strict build fails on it).
execute: setup
	mkdir -p $(CACHE)
	$(BIN)/jcache notebook -p $(CACHE) add $(wildcard book/*.ipynb) >/dev/null
	$(BIN)/jcache project -p $(CACHE) execute --executor local-parallel --timeout 300

book: execute
	$(BIN)/jupyter-book build .

# The student edition (no solutions) in _build/student/_build/html; reuses the execution cache and
# fails if any solution text reaches the site. See book/instructors.md.
student: execute
	$(BIN)/python -m qgan_helpers.edition config --out _build/student/_config.yml
	$(BIN)/jupyter-book build . --config _build/student/_config.yml --path-output _build/student
	$(BIN)/python -m qgan_helpers.edition check _build/student/_build/html

unit: setup
	$(BIN)/python -m pytest tests -n $(JOBS) -q --ignore=tests/browser

notebooks: setup
	$(BIN)/python -m pytest --nbval-lax --nbval-current-env -n $(JOBS) --dist loadscope -q book

strict-book: execute
	$(BIN)/jupyter-book build . -W -n --keep-going

# Debian's chromium (no browser download): installed when missing, as root or with sudo.
browser-deps:
	@test -x $(CHROMIUM) || { \
	  SUDO=$$( [ "$$(id -u)" = 0 ] || echo sudo ); \
	  $$SUDO apt-get update -qq && $$SUDO apt-get install -y -qq chromium fonts-dejavu-core >/dev/null; }

browser: setup browser-deps
	@test -f _build/html/index.html || { echo "browser: no site in _build/html (run make strict-book first)"; exit 1; }
	QGAN_SITE_DIR=$(CURDIR)/_build/html $(BIN)/python -m pytest tests/browser -n $(JOBS) -q

# Runs all four parts even when one fails, then fails if any failed.
test: setup
	@status=0; \
	$(MAKE) --no-print-directory unit || status=1; \
	$(MAKE) --no-print-directory notebooks || status=1; \
	$(MAKE) --no-print-directory strict-book || status=1; \
	$(MAKE) --no-print-directory browser || status=1; \
	if [ $$status -ne 0 ]; then echo "make test: FAILED (see above)"; fi; \
	exit $$status

clean:
	rm -rf _build .jupyter_cache
