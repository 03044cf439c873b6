"""The look shared by every figure of clustersim: rcParams, colours, saving, small helpers.

Why a module of its own: the charts (`sim.viz.charts`), the maps (`sim.viz.maps`) and the live
dashboard (`sim.viz.dashboard`) all draw with one look (the `STYLE` rcParams, applied by every
figure function through `_styled`) and one meaning per colour: a value-chain stage and a lever arm
have the same colour in every figure (`stage_color`, `arm_color`), so a reader who learnt "garment
is vermillion" on the map does not have to relearn it on the heatmap. Keeping these here, apart
from any one kind of figure, is what makes them shared.

Every figure function returns a `matplotlib.figure.Figure` built without pyplot (`_new_figure`: no
global figure registry, no GUI backend is touched), so it is safe on a headless machine and in
worker processes, and it still displays inline in Jupyter. `save` writes PNG and SVG atomically
(temporary file, then rename), like every other output of the project. `PlotError` is the one
error of bad input to a figure (one line; CLI exit status 2).
"""

from __future__ import annotations

import functools
import zlib
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import matplotlib
import pandas as pd
from matplotlib.axes import Axes
from matplotlib.figure import Figure, FigureBase

from sim.io.errors import InputError
from sim.io.files import atomic_write

__all__ = [
    "ARM_COLORS",
    "INDEX_COLORS",
    "PLANT_COLOR",
    "STAGE_COLORS",
    "STYLE",
    "ZONE_EDGE",
    "ZONE_FILL",
    "PlotError",
    "arm_color",
    "save",
    "stage_color",
    "style",
]

# ----------------------------------------------------------------------------------- style
STYLE: dict[str, Any] = {
    "font.size": 9,
    "axes.titlesize": 10,
    "axes.labelsize": 9,
    "xtick.labelsize": 8,
    "ytick.labelsize": 8,
    "legend.fontsize": 8,
    "legend.frameon": False,
    "figure.titlesize": 11,
    "figure.dpi": 100,
    "savefig.dpi": 100,
    "axes.spines.top": False,
    "axes.spines.right": False,
    "axes.grid": True,
    "grid.alpha": 0.3,
    "grid.linewidth": 0.6,
    "lines.linewidth": 1.6,
    "errorbar.capsize": 3,
    "svg.fonttype": "none",  # text stays text in SVG: smaller, searchable, editable
    "svg.hashsalt": "clustersim",  # deterministic SVG ids, so reruns give identical files
}

# Okabe-Ito colours (distinguishable with the common colour-vision deficiencies).
STAGE_COLORS: dict[str, str] = {
    "fabric": "#0072B2",
    "dyeing": "#CC79A7",
    "trims": "#E69F00",
    "garment": "#D55E00",
    "design": "#009E73",
    "logistics": "#56B4E9",
}
ARM_COLORS: dict[str, str] = {
    "no_policy": "#6E6E6E",
    "baseline": "#CC79A7",
    "base": "#CC79A7",
    "financing": "#0072B2",
    "burden": "#E69F00",
    "plants": "#009E73",
    "combined": "#D55E00",
    "placebo": "#56B4E9",
}
# For names not listed above: a colour picked from the name (stable across figures and runs).
EXTRA_COLORS = (
    "#222222",
    "#56B4E9",
    "#8C564B",
    "#9467BD",
    "#B8A000",
    "#17BECF",
    "#7F3C8D",
    "#A5AA99",
    "#1B9E77",
    "#E7298A",
)
INDEX_COLORS = {"S1": "#0072B2", "ST": "#E69F00"}
ZONE_FILL = {"headquarters": "#F6E3B4", "core": "#CFE3F3", "base": "#DCEFD9"}
ZONE_EDGE = "#4D4D4D"
PLANT_COLOR = "#BBBBBB"  # cells with free standard plant (the dashboard's live map)

_assigned: dict[str, dict[str, str]] = {"arm": {}, "stage": {}}


def _color(kind: str, name: str, fixed: dict[str, str]) -> str:
    """The fixed colour of `name`, or one picked from its CRC-32 (so the same name gets the same
    colour in every figure and session), moving on to the next free one when another unlisted name
    of this session already holds it."""
    if name in fixed:
        return fixed[name]
    taken = _assigned[kind]
    if name not in taken:
        start = zlib.crc32(name.encode("utf-8")) % len(EXTRA_COLORS)
        used = set(taken.values())
        order = [EXTRA_COLORS[(start + i) % len(EXTRA_COLORS)] for i in range(len(EXTRA_COLORS))]
        taken[name] = next((c for c in order if c not in used), order[0])
    return taken[name]


def arm_color(arm: str) -> str:
    """The colour of a lever arm (or any group of runs): the same in every figure."""
    return _color("arm", str(arm), ARM_COLORS)


def stage_color(stage: str) -> str:
    """The colour of a value-chain stage: the same on maps, bars and legends."""
    return _color("stage", str(stage), STAGE_COLORS)


@contextmanager
def style() -> Iterator[None]:
    """The project's rcParams, for drawing of one's own that should match these figures."""
    with matplotlib.rc_context(STYLE):
        yield


def _styled[**P, R](func: Callable[P, R]) -> Callable[P, R]:
    """Run a figure function inside `style()`: every figure gets the same look."""

    @functools.wraps(func)
    def wrapper(*args: P.args, **kwargs: P.kwargs) -> R:
        with style():
            return func(*args, **kwargs)

    return wrapper


class PlotError(InputError):
    """A figure cannot be drawn from this input (one line naming what and where; CLI exit 2)."""


def _new_figure(width: float, height: float) -> Figure:
    # A Figure made without pyplot: no backend, no global registry, nothing to close.
    return Figure(figsize=(width, height), layout="constrained")


def _root_figure(ax: Axes) -> Figure:
    fig: Any = ax.figure
    while not isinstance(fig, Figure) and isinstance(fig, FigureBase):
        fig = fig.figure
    return fig


# ----------------------------------------------------------------------------------- save
def save(
    fig: Figure,
    path_without_suffix: str | Path,
    formats: Sequence[str] = ("png", "svg"),
    dpi: float | None = None,
) -> list[Path]:
    """Write `fig` as PATH.png, PATH.svg (or `formats`), each atomically; return the paths.

    Why atomic: a figure that exists is whole, even if the process is killed mid-write (a sweep's
    report folder is read while other runs go on)."""
    base = Path(path_without_suffix)
    written = []
    with style():
        for fmt in formats:
            path = base.parent / f"{base.name}.{fmt}"
            meta = {"Date": None} if fmt in ("svg", "pdf") else {}
            atomic_write(
                path,
                lambda p, fmt=fmt, meta=meta: fig.savefig(
                    p, format=fmt, dpi=dpi or STYLE["savefig.dpi"], metadata=meta
                ),
            )
            written.append(path)
    return written


# ----------------------------------------------------------------------------------- input
def check_columns(df: pd.DataFrame, cols: Sequence[str], source: str) -> None:
    for col in cols:
        if col not in df.columns:
            shown = ", ".join(c for c in df.columns[:12])
            raise PlotError(source, col, f"no such column; columns include: {shown}, ...")
