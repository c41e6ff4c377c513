# The two commands of the README:
#   make book   -- set up .venv if needed, execute the notebooks (cached) and write the site to _build/html
#   make test   -- set up .venv if needed, then unit tests, nbval on every notebook, every notebook alone
#                  from the installed wheel (as on Colab), a strict site build, and a browser test of the
#                  built site (headless Chromium, network cut off)
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

.PHONY: setup execute book student grade fake-class test unit notebooks colab strict-book browser browser-deps clean

$(STAMP): requirements.txt pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --disable-pip-version-check -r requirements.txt
	$(BIN)/python -m pip install --quiet --disable-pip-version-check --no-deps --no-build-isolation -e .
	$(BIN)/python -m ipykernel install --sys-prefix --name python3 --display-name "Python 3 (qgan course)" >/dev/null
	touch $(STAMP)

setup: $(STAMP)

# Runs every notebook not yet cached, $(JOBS) at a time, into the site build's execution cache; the
# build then only renders. Fails (exit 1), naming each notebook, its cell and the first lines of the
# error, if a cell raises, runs past the timeout (also a kernel that stops responding) or the kernel
# dies; a failed notebook is not cached. (`jcache project execute` exited 0 in all these cases.)
execute: setup
	$(BIN)/python .ci/execute_notebooks.py --cache $(CACHE) --jobs $(JOBS) --timeout 300 $(wildcard book/*.ipynb)

book: execute
	$(BIN)/jupyter-book build .

# The student edition (no solutions): the site in _build/student/_build/html (reuses the execution cache)
# and the release students receive in _build/student/release (+ _build/student/qgan-course-student.zip):
# release notebooks and the package without solutions/. Fails if solution text reaches either.
# See book/instructors.md.
student: execute
	$(BIN)/python -m qgan_helpers.course.edition config --out _build/student/_config.yml
	$(BIN)/jupyter-book build . --config _build/student/_config.yml --path-output _build/student
	$(BIN)/python -m qgan_helpers.course.edition check _build/student/_build/html
	$(BIN)/python -m qgan_helpers.course.edition release --out _build/student/release

# Grade a class: SUBMISSIONS=<folder of <student>/<chapter>.ipynb> [ROSTER=roster.csv] [GRADES=grades].
# Each notebook in its own sandbox, $(JOBS) at a time; writes grades.csv, manual.csv, totals.csv, canvas.csv.
SUBMISSIONS ?= submissions
GRADES ?= grades
grade: setup
	$(BIN)/python -m qgan_helpers.grading $(SUBMISSIONS) --out $(GRADES) --jobs $(JOBS) $(if $(ROSTER),--roster $(ROSTER))

# A fake class of 10 students (devices and measurement) graded end to end into _build/fake-class/grades.
fake-class: setup
	rm -rf _build/fake-class
	$(BIN)/python -m qgan_helpers.course.grading.fake _build/fake-class --students 10 --chapters devices,measurement
	$(BIN)/python -m qgan_helpers.grading _build/fake-class/submissions --roster _build/fake-class/roster.csv \
	  --out _build/fake-class/grades --jobs $(JOBS)

# The tests and every docstring example of the package (doctests; the reference solutions have none).
unit: setup
	$(BIN)/python -m pytest tests qgan_helpers --doctest-modules --ignore=qgan_helpers/course/solutions \
	  -n $(JOBS) -q --ignore=tests/browser

notebooks: setup
	$(BIN)/python -m pytest --nbval-lax --nbval-current-env -n $(JOBS) --dist loadscope -q book

# Every chapter as on Colab: the built wheel (not the checkout) in a fresh virtual environment, each
# notebook copied alone into an empty folder and run there (see .ci/notebooks_alone.py).
colab: setup
	$(BIN)/python .ci/notebooks_alone.py --work _build/alone --jobs $(JOBS) --timeout 300 $(wildcard book/*.ipynb)

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

# Runs all five parts even when one fails, then fails if any failed.
test: setup
	@status=0; \
	$(MAKE) --no-print-directory unit || status=1; \
	$(MAKE) --no-print-directory notebooks || status=1; \
	$(MAKE) --no-print-directory colab || status=1; \
	$(MAKE) --no-print-directory strict-book || status=1; \
	$(MAKE) --no-print-directory browser || status=1; \
	if [ $$status -ne 0 ]; then echo "make test: FAILED (see above)"; fi; \
	exit $$status

clean:
	rm -rf _build .jupyter_cache
