# Two entry points (see README): `make main` installs and runs the flagship lever comparison,
# `make test` installs and runs the test suite. Both build .venv from a Python >= 3.12.
VENV := .venv
PY := $(VENV)/bin/python
STAMP := $(VENV)/.installed

.PHONY: venv main test lint bench clean

venv: $(STAMP)

$(STAMP): pyproject.toml
	@PYBIN=$$(bash .ci/find-python.sh) && echo "using $$PYBIN" && \
	  ( [ -x $(PY) ] || $$PYBIN -m venv $(VENV) )
	$(PY) -m pip install --quiet --upgrade pip
	$(PY) -m pip install --quiet -e '.[dev]'
	@touch $(STAMP)

main: venv
	$(PY) -m sim sweep scenarios/sweeps/levers.yaml --out results/levers --workers 2
	$(PY) -m sim compare results/levers

test: venv
	$(PY) -m pytest -n 2 --dist loadscope -q

lint: venv
	$(VENV)/bin/ruff check .

bench: venv
	$(PY) benchmarks/bench_mesa.py

clean:
	rm -rf $(VENV) .pytest_cache
