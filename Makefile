# The two commands of the README:
#   make book   -- set up .venv if needed, execute the notebooks (cached) and write the site to _build/html
#   make test   -- set up .venv if needed, then unit tests, nbval on every notebook, and a strict site build
# Both do their own set-up on a fresh machine: a virtual environment in .venv with requirements.txt
# and qgan_helpers installed in editable mode.

PYTHON ?= python3
VENV   := .venv
BIN    := $(CURDIR)/$(VENV)/bin
STAMP  := $(VENV)/.installed
JOBS   ?= 2

export PATH := $(BIN):$(PATH)
export PYTHONHASHSEED := 0

.PHONY: setup book test unit notebooks strict-book clean

$(STAMP): requirements.txt pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --disable-pip-version-check -r requirements.txt
	$(BIN)/python -m pip install --quiet --disable-pip-version-check --no-deps --no-build-isolation -e .
	$(BIN)/python -m ipykernel install --sys-prefix --name python3 --display-name "Python 3 (qgan course)" >/dev/null
	touch $(STAMP)

setup: $(STAMP)

book: setup
	$(BIN)/jupyter-book build .

unit: setup
	$(BIN)/python -m pytest tests -n $(JOBS) -q

notebooks: setup
	$(BIN)/python -m pytest --nbval-lax --nbval-current-env -n $(JOBS) --dist loadscope -q book

strict-book: setup
	$(BIN)/jupyter-book build . -W -n --keep-going

# Runs all three parts even when one fails, then fails if any failed.
test: setup
	@status=0; \
	$(MAKE) --no-print-directory unit || status=1; \
	$(MAKE) --no-print-directory notebooks || status=1; \
	$(MAKE) --no-print-directory strict-book || status=1; \
	if [ $$status -ne 0 ]; then echo "make test: FAILED (see above)"; fi; \
	exit $$status

clean:
	rm -rf _build .jupyter_cache
