# kpikit: `make reports` renders every notebook on data/sample into reports/sample;
# `make test` runs the whole test suite. Both create (or reuse) .venv with plain venv + pip,
# installing the exact versions pinned in constraints.txt so a report run is reproducible. The spark extra
# (pyspark, about 2 minutes to build once) lets the Spark test run; it needs a Java runtime (JDK 17), else
# that test is skipped and says so.

PYTHON ?= python3
VENV   := .venv
PY     := $(VENV)/bin/python
STAMP  := $(VENV)/.kpikit-installed
LABSTAMP := $(VENV)/.kpikit-lab-installed

.PHONY: venv reports test lint format lab notebooks sample lock clean

$(STAMP): pyproject.toml constraints.txt
	test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --disable-pip-version-check -c constraints.txt -e ".[test,spark]"
	touch $(STAMP)

venv: $(STAMP)

## Render every notebook on data/sample into reports/sample (+ index.html).
reports: $(STAMP)
	$(VENV)/bin/kpikit render notebooks/[0-9][0-9]_*.ipynb -o reports/sample --title "kpikit reports: data/sample"

## The whole test suite: lint and format checks (ruff), unit, reference and property tests, the docstring examples, then nbval over the committed notebooks.
test: $(STAMP)
	$(VENV)/bin/ruff check .
	$(VENV)/bin/ruff format --check .
	$(PY) -m pytest tests kpikit notebooks --doctest-modules --nbval-lax --nbval-sanitize-with tests/nbval_sanitize.cfg -p no:cacheprovider

## Fix what ruff can fix and format the code (then `make test` checks both).
format: $(STAMP)
	$(VENV)/bin/ruff check --fix .
	$(VENV)/bin/ruff format .

## Open JupyterLab on notebooks/ (containers often run as root, which JupyterLab refuses unless told).
lab: $(LABSTAMP)
	$(VENV)/bin/jupyter lab notebooks/ $$([ "$$(id -u)" = 0 ] && echo --allow-root)

$(LABSTAMP): $(STAMP)
	$(PY) -m pip install --quiet --disable-pip-version-check -c constraints.txt -e ".[test,lab]"
	touch $(LABSTAMP)

## Re-execute the committed notebooks (analysis and workshop) in place on data/sample (after changing kpikit or a notebook).
notebooks: $(STAMP)
	cd notebooks && for nb in [0-9][0-9]_*.ipynb; do ../$(VENV)/bin/papermill --no-progress-bar "$$nb" "$$nb" -k python3 || exit 1; done
	cd notebooks/workshop && for nb in w[0-9]_*.ipynb; do ../../$(VENV)/bin/papermill --no-progress-bar "$$nb" "$$nb" -k python3 || exit 1; done

## Regenerate data/sample from the seeded generator (byte for byte the committed files).
sample: $(STAMP)
	$(PY) -m kpikit.sample data/sample --seed 42

## Refresh constraints.txt from the current environment (maintainers only).
lock: $(LABSTAMP)
	$(PY) -m pip freeze --exclude-editable | grep -v '^kpikit' > constraints.txt

clean:
	rm -rf $(VENV) reports/sample reports/interactive
