# Two entry points (see README): `make main` installs and runs the flagship lever comparison,
# `make test` installs and runs the test suite. Both build .venv from a Python >= 3.12.
VENV := .venv
PY := $(VENV)/bin/python
STAMP := $(VENV)/.installed

.PHONY: venv main test lint bench clean gallery mutants

venv: $(STAMP)

$(STAMP): pyproject.toml
	@PYBIN=$$(bash .ci/find-python.sh) && echo "using $$PYBIN" && \
	  ( [ -x $(PY) ] || $$PYBIN -m venv $(VENV) )
	$(PY) -m pip install --quiet --upgrade pip
	$(PY) -m pip install --quiet -e '.[dev]'
	@touch $(STAMP)

main: venv
	$(PY) -m sim levers --out results/levers --workers 2

# docs/gallery/: three small PNGs for the README (sim.viz via `python -m sim plot`): the
# baseline's county map over time, its chain completeness by zone, and the lever effects from the
# levers sweep (rerun with --restart, so the images follow the code; about a minute in all).
# PNGs at 90 dpi, each under 150 kB.
gallery: venv
	$(PY) -m sim sweep scenarios/sweeps/levers.yaml --out results/gallery/levers-sweep --workers 2 --quiet --restart
	$(PY) -m sim plot sweep results/gallery/levers-sweep --out results/gallery/levers --dpi 90
	$(PY) -m sim plot run scenarios/baseline.yaml --engine vector --out results/gallery/baseline --dpi 90
	mkdir -p docs/gallery
	install -m 644 results/gallery/baseline/map_small_multiples.png docs/gallery/baseline_map_small_multiples.png
	install -m 644 results/gallery/baseline/completeness.png docs/gallery/baseline_completeness.png
	install -m 644 results/gallery/levers/forest.png docs/gallery/levers_forest.png
	@ls -l docs/gallery/*.png

test: venv
	$(PY) -m pytest -n 2 --dist loadscope -q

# Mutation check of the rules (tools/mutants.py): applies each named mutation of sim/core/rules.py
# and sim/core/levers.py to a temporary copy, runs the rule tests there and reports which
# mutations survive. A report (exit 0), not in CI: about five minutes. Pass ARGS, e.g.
# `make mutants ARGS="--tests tests/test_rules.py --only exit"`.
mutants: venv
	$(PY) tools/mutants.py $(ARGS)

lint: venv
	$(VENV)/bin/ruff check .

bench: venv
	$(PY) benchmarks/bench_mesa.py

clean:
	rm -rf $(VENV) .pytest_cache
	rm -rf sim/engines/vector/__pycache__/numba-*  # the vector engine's compiled kernels (sim/engines/vector/jit.py)
