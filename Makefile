# The two commands of the README. Only python3 (3.10+), gcc and make are assumed.
PYTHON ?= python3
VENV := .venv
PY := $(VENV)/bin/python
PACKAGES := ./packages/core ./packages/autograd ./packages/data ./packages/nn[tensorboard] ./packages/vision

.PHONY: run test clean

$(VENV)/ready: $(wildcard packages/*/pyproject.toml) examples/requirements.txt
	$(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip
	$(PY) -m pip install --quiet $(PACKAGES) -r examples/requirements.txt
	touch $@

# The main job.
run: $(VENV)/ready
	$(PY) examples/train_digits.py

# Every test, through tox (each package alone, together, against PyTorch, lint).
test:
	$(PYTHON) -m venv $(VENV)-tox
	$(VENV)-tox/bin/python -m pip install --quiet --upgrade pip tox
	$(VENV)-tox/bin/tox run

clean:
	rm -rf $(VENV) $(VENV)-tox .tox
