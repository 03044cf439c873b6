"""Every notebook in notebooks/ runs top to bottom at CI size and shows its figures.

Each notebook is executed by nbclient in a fresh kernel named `python3` (which must be this
interpreter, the project's .venv), from notebooks/ as Jupyter starts it, with
CLUSTERSIM_NB_SIZE=small (a few seconds of model time) and CLUSTERSIM_NB_OUT pointing at a
temporary folder, so nothing is written under results/. A cell that raises fails the test with
its traceback. One class per notebook, so that `pytest -n 2 --dist loadscope` spreads them over
the workers.
"""

from __future__ import annotations

import sys
import time
from pathlib import Path

import nbclient
import nbformat
import pytest

ROOT = Path(__file__).resolve().parents[1]
NOTEBOOKS = ROOT / "notebooks"
# notebook -> the figures it displays at small size (each one a PNG it also keeps in OUT)
FIGURES = {
    "quickstart.ipynb": 2,
    "levers.ipynb": 3,
    "sensitivity.ipynb": 2,
    "spatial.ipynb": 8,
}
PROBE = "import sys\nprint('KERNEL-PREFIX', sys.prefix)"
CELL_TIMEOUT = 600  # seconds; a small notebook takes well under a minute in all


def read(name: str):
    return nbformat.read(NOTEBOOKS / name, as_version=4)


def code_cells(nb) -> list:
    return [c for c in nb.cells if c.cell_type == "code"]


def test_every_notebook_is_tested():
    assert {p.name for p in NOTEBOOKS.glob("*.ipynb")} == set(FIGURES)


@pytest.mark.parametrize("name", sorted(FIGURES))
def test_stored_without_outputs(name):
    """Notebooks are committed clean: no outputs, no execution counts (small diffs, no stale
    numbers next to changed code)."""
    for cell in code_cells(read(name)):
        assert cell.outputs == [], f"{name}: a cell has stored outputs; clear them"
        assert cell.execution_count is None, f"{name}: a cell has an execution count"


@pytest.mark.parametrize("name", sorted(FIGURES))
def test_size_is_read_at_the_top(name):
    first = code_cells(read(name))[0].source
    assert 'os.environ.get("CLUSTERSIM_NB_SIZE", "full")' in first
    assert "CLUSTERSIM_NB_OUT" in first


class _Notebook:
    name = ""

    def test_runs_top_to_bottom(self, tmp_path, monkeypatch):
        # the kernel is a subprocess: it inherits this process's environment
        monkeypatch.setenv("CLUSTERSIM_NB_SIZE", "small")
        monkeypatch.setenv("CLUSTERSIM_NB_OUT", str(tmp_path))
        nb = read(self.name)
        nb.cells.append(nbformat.v4.new_code_cell(PROBE))
        client = nbclient.NotebookClient(
            nb,
            timeout=CELL_TIMEOUT,
            kernel_name="python3",
            resources={"metadata": {"path": str(NOTEBOOKS)}},
        )
        t0 = time.perf_counter()
        client.execute()
        seconds = time.perf_counter() - t0
        print(f"{self.name}: {seconds:.1f} s")

        outputs = [o for c in code_cells(nb) for o in c.outputs]
        probe = "".join(o.get("text", "") for o in nb.cells[-1].outputs)
        assert f"KERNEL-PREFIX {sys.prefix}" in probe, (
            f"the python3 kernel is not this interpreter ({sys.prefix}): {probe!r}"
        )
        images = [o for o in outputs if "image/png" in o.get("data", {})]
        assert len(images) >= FIGURES[self.name], (
            f"{self.name} displayed {len(images)} figures, expected {FIGURES[self.name]}"
        )
        stem = self.name.removesuffix(".ipynb")
        pngs = list((tmp_path / f"{stem}-small").glob("*.png"))
        assert len(pngs) >= FIGURES[self.name], f"{self.name} kept {len(pngs)} PNGs in its OUT"


class TestQuickstart(_Notebook):
    name = "quickstart.ipynb"


class TestLevers(_Notebook):
    name = "levers.ipynb"


class TestSensitivity(_Notebook):
    name = "sensitivity.ipynb"


class TestSpatial(_Notebook):
    name = "spatial.ipynb"
