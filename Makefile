# The two commands of the README. Only python3 (3.10+), gcc and make are assumed.
PYTHON ?= python3
VENV := .venv
PY := $(VENV)/bin/python
TOX_VENV := $(VENV)-tox
WHEELHOUSE := .wheelhouse
EDITABLE := -e ./packages/core -e ./packages/autograd -e ./packages/data -e ./packages/nn[tensorboard] -e ./packages/vision
# Every ember distribution, built once per `make test` into the wheelhouse the tox envs install from.
DISTRIBUTIONS := ./packages/core[safetensors,mpi] ./packages/autograd ./packages/data ./packages/nn[tensorboard] \
                 ./packages/vision ./examples/custom_backend ./packages/cuda-backend
CYTHON_SOURCES := $(wildcard packages/core/setup.py packages/core/src/ember/*.pyx packages/core/src/ember/*/*.pyx \
                  packages/core/src/ember/*/*/*.pyx)

.PHONY: run test wheelhouse clean

# Editable installs: `make run` runs the code in the work tree.
$(VENV)/ready: $(wildcard packages/*/pyproject.toml) examples/requirements.txt
	$(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip
	$(PY) -m pip install --quiet $(EDITABLE) -r examples/requirements.txt
	touch $@

# An edited .pyx is recompiled in place before the next run.
$(VENV)/compiled: $(VENV)/ready $(CYTHON_SOURCES)
	$(PY) -m pip install --quiet --no-deps -e ./packages/core
	touch $@

# The main job.
run: $(VENV)/compiled
	$(PY) examples/train_digits.py

$(TOX_VENV)/ready:
	$(PYTHON) -m venv $(TOX_VENV)
	$(TOX_VENV)/bin/python -m pip install --quiet --upgrade pip tox
	touch $@

# Each distribution's wheel is built once (ember-core's Cython compiles once), next to the wheels
# of its runtime dependencies; the tox envs install from here.
wheelhouse: $(TOX_VENV)/ready
	rm -f $(WHEELHOUSE)/ember_*.whl
	$(TOX_VENV)/bin/python -m pip wheel --quiet --wheel-dir $(WHEELHOUSE) $(DISTRIBUTIONS)

# Every test, through tox (each package alone, together, against PyTorch, lint), one env at a time:
# each env's directory is deleted once it has run, so the disk holds one PyTorch install at a time.
test: wheelhouse
	bash .ci/tox_each.sh $(TOX_VENV)/bin/tox

clean:
	rm -rf $(VENV) $(TOX_VENV) $(WHEELHOUSE) .tox
