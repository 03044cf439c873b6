"""Maps of the county: the grid with its zones and firms by stage (`county_map`, drawn by
`draw_county`), the map at several months (`map_small_multiples`) or month by month
(`animate_map`), and the zone-by-stage table of firms (`completeness_heatmap`).

Why a module of its own: where the firms sit is the spatial half of the model's story, and its
drawing (zones, free plant, firms coloured by stage, sized by workers and set at a fixed offset
within their cell) is shared by every map of a finished run and by the live dashboard
(`sim.viz.dashboard`), which draws the Mesa model's county with the same `draw_county`. It reads
the firm table (`RunResult.firms`, or the live model's `firm_table()`) and the scenario's space;
it shares only the look of `sim.viz.style` with the charts (`sim.viz.charts`).
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
from matplotlib.axes import Axes
from matplotlib.figure import Figure, FigureBase
from matplotlib.lines import Line2D
from matplotlib.patches import Rectangle

from sim.core.scenario import SpaceSpec
from sim.experiments.run import RunResult
from sim.io.files import atomic_write
from sim.viz.style import (
    PLANT_COLOR,
    ZONE_EDGE,
    ZONE_FILL,
    PlotError,
    _new_figure,
    _root_figure,
    _styled,
    check_columns,
    stage_color,
    style,
)

__all__ = [
    "animate_map",
    "completeness_heatmap",
    "county_map",
    "draw_county",
    "map_small_multiples",
]


# ----------------------------------------------------------------------------------- maps
def _horizon(result: RunResult) -> int:
    return int(result.timeseries["month"].max())


def _check_month(result: RunResult, month: int | None) -> int:
    horizon = _horizon(result)
    m = horizon if month is None else int(month)
    if not 0 <= m <= horizon:
        raise PlotError("result", "month", f"{m} is outside the run's months 0..{horizon}")
    return m


def _alive(firms: pd.DataFrame, month: int) -> pd.DataFrame:
    """Firms alive at the end of `month`: born by then, not yet exited (died = -1 while alive).
    Matches the timeseries' `firms` count at that month."""
    died = firms["died"]
    return firms[(firms["born"] <= month) & ((died < 0) | (died > month))]


def _jitter(ids: np.ndarray) -> np.ndarray:
    """A fixed offset within the cell per firm (from its id): firms sharing a cell stay apart,
    and a firm keeps its place from frame to frame."""
    h = (ids.astype(np.uint64) * np.uint64(2654435761)) % np.uint64(2**32)
    u = (h % np.uint64(1000)).astype(float) / 1000.0
    v = ((h // np.uint64(1000)) % np.uint64(1000)).astype(float) / 1000.0
    return np.column_stack([u, v]) * 0.7 + 0.15


class _MapLayer:
    """The county drawn once on an axes (zones and labels, free plant if given) with a firm
    layer that can be moved to any month: county_map draws one month, the small multiples
    several, the animation all, the dashboard the live model's month (see `draw_county`)."""

    def __init__(
        self,
        ax: Axes,
        space: SpaceSpec,
        firms: pd.DataFrame,
        *,
        stages: Sequence[str] = (),
        plant: np.ndarray | None = None,
        sizes_at: str = "the horizon",
        source: str = "firms",
    ) -> None:
        self.ax, self.stages, self.sizes_at = ax, tuple(stages), sizes_at
        self.firms = firms
        check_columns(self.firms, ["x", "y", "stage", "born", "died", "workers"], source)
        ids = (
            self.firms["firm_id"].to_numpy()
            if "firm_id" in self.firms
            else np.arange(len(self.firms))
        )
        self.xy = self.firms[["x", "y"]].to_numpy(dtype=float) + _jitter(np.asarray(ids))
        self.colors = np.array([stage_color(s) for s in self.firms["stage"]], dtype=object)
        # firms that exit before the horizon: their size at earlier months is not recorded
        self.exits = self.firms["died"].to_numpy() >= 0
        # one size scale for every month and panel: dot area proportional to workers
        self.top = max(float(self.firms["workers"].max()) if len(self.firms) else 1.0, 1.0)
        w, h = space.width, space.height
        for z in space.zones:
            x, y, zw, zh = z.rect
            ax.add_patch(
                Rectangle(
                    (x, y),
                    zw,
                    zh,
                    facecolor=ZONE_FILL.get(z.kind, "none"),
                    edgecolor=ZONE_EDGE,
                    lw=1.0,
                    zorder=1,
                )
            )
            ax.text(
                x + zw / 2,
                y + zh + 0.2,
                z.name,
                ha="center",
                va="bottom",
                fontsize=7.5,
                color="#222222",
                zorder=4,
                bbox={"boxstyle": "square,pad=0.1", "fc": "white", "ec": "none", "alpha": 0.7},
            )
        ax.set_xlim(0, w)
        ax.set_ylim(0, h)
        ax.set_aspect("equal")
        ax.grid(False)
        ax.tick_params(length=2)
        for side in ("top", "right"):
            ax.spines[side].set_visible(True)
        self.plant = plant
        if plant is not None:
            # cells with free standard plant: grey squares under the firms
            px, py = np.nonzero(np.asarray(plant) > 0)
            ax.scatter(
                px + 0.5,
                py + 0.5,
                marker="s",
                s=40,
                color=PLANT_COLOR,
                alpha=0.7,
                linewidths=0,
                zorder=2,
            )
        self.dots = ax.scatter(
            np.empty(0), np.empty(0), s=[], edgecolors="white", linewidths=0.3, zorder=3
        )

    EXIT_SIZE = 20.0

    def sizes(self, workers: np.ndarray) -> np.ndarray:
        return 6.0 + 110.0 * np.clip(workers, 0, None) / self.top

    def show(self, month: int) -> int:
        """Move the firm layer to `month`; return the number of firms drawn. A firm that lasts
        to the horizon is a filled dot sized by its workers there; one that exits before is a
        ring of its stage's colour (its size then is not recorded)."""
        keep = _alive(self.firms, month).index
        pos = self.firms.index.get_indexer(keep)
        exits = self.exits[pos]
        colors = list(self.colors[pos])
        sizes = self.sizes(self.firms["workers"].to_numpy(dtype=float)[pos])
        sizes[exits] = self.EXIT_SIZE
        self.dots.set_offsets(self.xy[pos] if len(pos) else np.empty((0, 2)))
        self.dots.set_sizes(sizes)
        self.dots.set_facecolors(
            [c if not e else "white" for c, e in zip(colors, exits, strict=True)]
        )
        self.dots.set_edgecolors([c if e else "white" for c, e in zip(colors, exits, strict=True)])
        self.dots.set_linewidths(np.where(exits, 1.2, 0.3))
        return len(pos)

    def legend_handles(self) -> tuple[list[Any], list[Any]]:
        stages = list(self.stages)
        extra = [s for s in dict.fromkeys(self.firms["stage"]) if s not in stages]
        colour = [
            Line2D([], [], ls="", marker="o", ms=6, color=stage_color(s), label=s)
            for s in stages + extra
        ]
        if self.plant is not None:
            colour.append(Line2D([], [], ls="", marker="s", color=PLANT_COLOR, label="free plant"))
        refs = sorted({_nice(self.top / 10), _nice(self.top / 3), _nice(self.top)})
        size = [
            Line2D(
                [],
                [],
                ls="",
                marker="o",
                color="#888888",
                ms=math.sqrt(float(self.sizes(np.array([r]))[0])),
                label=f"{r}",
            )
            for r in refs
        ]
        if self.exits.any():
            size.append(
                Line2D(
                    [],
                    [],
                    ls="",
                    marker="o",
                    mfc="white",
                    mec="#888888",
                    mew=1.2,
                    ms=math.sqrt(self.EXIT_SIZE),
                    label="exits before\nthe horizon",
                )
            )
        return colour, size


def _nice(v: float) -> int:
    """`v` rounded to one significant digit (legend sizes of 30, 100, 300 workers, not 34)."""
    if v < 1:
        return 1
    mag = 10 ** math.floor(math.log10(v))
    return int(round(v / mag) * mag)


def _map_legends(target: Axes | FigureBase, layer: _MapLayer) -> None:
    colour, size = layer.legend_handles()
    kw: dict[str, Any] = (
        {"loc": "upper left", "bbox_to_anchor": (1.02, 1.0)}
        if isinstance(target, Axes)
        else {"loc": "outside right upper"}
    )
    first = target.legend(handles=colour, title="stage", **kw)
    if isinstance(target, Axes):
        target.add_artist(first)
        # add_artist clips it to the axes, which leaves it out of the layout (and of a
        # bbox_inches="tight" save); it lies outside the axes, so it is not clipped anyway
        first.set_clip_on(False)
        kw = {"loc": "lower left", "bbox_to_anchor": (1.02, 0.0)}
    else:
        kw = {"loc": "outside right lower"}
    target.legend(handles=size, title=f"workers at\n{layer.sizes_at}", labelspacing=1.0, **kw)


def draw_county(
    ax: Axes,
    space: SpaceSpec,
    firms: pd.DataFrame,
    month: int | None = None,
    *,
    stages: Sequence[str] = (),
    plant: np.ndarray | None = None,
    sizes_at: str = "the horizon",
    legend: bool = False,
    source: str = "firms",
) -> _MapLayer:
    """Draw the county on `ax`: zones outlined, filled by kind and labelled, cells with free
    plant (if `plant` is given) as grey squares, and, at `month` (if given), one dot per firm
    alive then, coloured by stage, sized by workers and set at a fixed offset within its cell.
    Returns the layer, whose `show(month)` moves the firms to another month.

    Why one function from plain inputs: the maps of a finished run (`county_map`, the small
    multiples, the animation: `RunResult.firms` and the scenario) and the live dashboard
    (`sim.viz.dashboard.county_figure`: the Mesa model's `firm_table()`, its scenario and its
    `world.plant`) draw the same county the same way.

    `space` is the scenario's `space` (width, height and the zones' name, kind and rect in
    cells: cell (x, y) spans [x, x+1] x [y, y+1]); `firms` a firm table with columns x, y, stage
    (name), born, died (-1 while alive) and workers (and firm_id, which fixes each firm's offset);
    `stages` orders the stage legend; `plant` is the (width, height) array of free plant floor
    space (a finished run does not keep it, so its maps leave it out); `sizes_at` says when the
    table's workers were counted (the size legend's title); `legend` adds the stage and size
    legends beside `ax`; `source` names `firms` in the error for a missing column.
    """
    layer = _MapLayer(
        ax, space, firms, stages=stages, plant=plant, sizes_at=sizes_at, source=source
    )
    if month is not None:
        layer.show(month)
    if legend:
        _map_legends(ax, layer)
    return layer


def _result_layer(ax: Axes, result: RunResult) -> _MapLayer:
    """`draw_county` of a finished run, firms not yet shown (no plant: a RunResult does not
    keep it)."""
    scenario = result.scenario
    return draw_county(
        ax,
        scenario.space,
        result.firms,
        stages=scenario.chain.stages,
        source="result.firms",
    )


@_styled
def county_map(result: RunResult, month: int | None = None, ax: Axes | None = None) -> Figure:
    """The county grid at `month` (default the horizon): zones outlined and labelled, one dot per
    firm alive then, coloured by stage and sized by workers.

    Why sized by workers at the horizon: the firm table keeps each firm's size at the horizon
    (or at exit), not a monthly history. So a firm that lasts to the horizon is a filled dot sized
    by its workers there, and one that exits before the horizon is a ring of fixed size (its size
    in earlier months is not known); the legend says so.
    """
    m = _check_month(result, month)
    if ax is None:
        fig = _new_figure(7.2, 4.6)
        ax = fig.subplots()
    else:
        fig = _root_figure(ax)
    layer = _result_layer(ax, result)
    n = layer.show(m)
    ax.set_title(f"{result.scenario.name}: month {m}, {n} firms")
    _map_legends(ax, layer)
    return fig


def _default_months(result: RunResult, n: int = 6) -> list[int]:
    return sorted({round(float(v)) for v in np.linspace(0, _horizon(result), n)})


@_styled
def map_small_multiples(result: RunResult, months: Sequence[int] | None = None) -> Figure:
    """The county map at several months side by side (default 6 evenly spaced, 0 to horizon).

    Why: where firms appear first and which zones fill up is the story of cluster formation;
    panels share the size scale and colours so they compare directly."""
    months = list(months) if months is not None else _default_months(result)
    if not months:
        raise PlotError("result", "months", "give at least one month")
    months = [_check_month(result, m) for m in months]
    ncol = min(3, len(months))
    nrow = math.ceil(len(months) / ncol)
    fig = _new_figure(3.6 * ncol + 1.4, 2.9 * nrow + 0.5)
    axes = fig.subplots(nrow, ncol, squeeze=False, sharex=True, sharey=True).ravel()
    layer = None
    for a, m in zip(axes, months, strict=False):
        layer = _result_layer(a, result)
        n = layer.show(m)
        a.set_title(f"month {m}: {n} firms")
    for a in axes[len(months) :]:
        a.set_visible(False)
    assert layer is not None
    _map_legends(fig, layer)
    fig.suptitle(f"{result.scenario.name}: firms by stage over time (seed {result.seed})")
    return fig


# ----------------------------------------------------------------------------------- heatmap
def _stage_zone_columns(ts: pd.DataFrame) -> tuple[list[str], list[str]]:
    """Stages and zones named by the timeseries' `firms_{stage}_in_{zone}` columns, in order."""
    zones = [c[len("firms_zone_") :] for c in ts.columns if c.startswith("firms_zone_")]
    stages: list[str] = []
    for c in ts.columns:
        if not c.startswith("firms_"):
            continue
        for z in zones:
            if c.endswith(f"_in_{z}"):
                s = c[len("firms_") : -len(f"_in_{z}")]
                if s and s not in stages:
                    stages.append(s)
    return stages, zones


@_styled
def completeness_heatmap(
    result_or_timeseries: RunResult | pd.DataFrame, month: int | None = None
) -> Figure:
    """Firms by zone (rows) and stage (columns) at `month` (default the horizon), with each
    zone's share of stages present as an extra column, and the county's chain completeness (share
    of chain links with both stages present anywhere) in the title.

    Why: the county wants a complete chain at home; this shows which zones hold which stages and
    which stages are missing altogether. Several runs (e.g. one arm of a sweep) are averaged.
    """
    if isinstance(result_or_timeseries, RunResult):
        ts = result_or_timeseries.timeseries
    else:
        ts = result_or_timeseries
    check_columns(ts, ["month"], "timeseries")
    if "arm" in ts.columns and ts["arm"].nunique() > 1:
        arms = list(dict.fromkeys(ts["arm"]))
        raise PlotError("timeseries", "arm", f"holds several arms {arms}; pass one arm's rows")
    stages, zones = _stage_zone_columns(ts)
    if not stages:
        raise PlotError("timeseries", "firms_{stage}_in_{zone}", "no such columns")
    horizon = int(ts["month"].max())
    m = horizon if month is None else int(month)
    rows = ts[ts["month"] == m]
    if rows.empty:
        raise PlotError("timeseries", "month", f"{m} is not stored; months 0..{horizon}")
    counts = np.array(
        [[rows[f"firms_{s}_in_{z}"].astype(float).mean() for s in stages] for z in zones]
    )
    present = (counts > 0).sum(axis=1) / len(stages)
    runs = len(rows)
    fig = _new_figure(0.75 * len(stages) + 2.6, 0.36 * len(zones) + 1.3)
    a, b = fig.subplots(1, 2, gridspec_kw={"width_ratios": [len(stages), 1.4]})
    top = max(float(counts.max()), 1.0)
    a.imshow(counts, cmap="Blues", vmin=0, vmax=top, aspect="auto")
    fmt = "{:.0f}" if runs == 1 else "{:.1f}"
    for i in range(len(zones)):
        for j in range(len(stages)):
            v = counts[i, j]
            a.text(
                j,
                i,
                fmt.format(v) if v > 0 else "·",
                ha="center",
                va="center",
                fontsize=9.5,
                color="white" if v > 0.55 * top else ("#222222" if v > 0 else "#999999"),
            )
    a.set_xticks(range(len(stages)), stages)
    a.set_yticks(range(len(zones)), zones)
    a.tick_params(top=True, labeltop=True, bottom=False, labelbottom=False, length=0, labelsize=9)
    a.grid(False)
    for side in a.spines.values():
        side.set_visible(False)
    b.imshow(present[:, None], cmap="Greens", vmin=0, vmax=1.4, aspect="auto")
    for i, p in enumerate(present):
        b.text(0, i, f"{p:.0%}", ha="center", va="center", fontsize=9.5, color="#222222")
    b.set_xticks([0], ["stages\npresent"])
    b.set_yticks([])
    b.tick_params(top=True, labeltop=True, bottom=False, labelbottom=False, length=0, labelsize=9)
    b.grid(False)
    for side in b.spines.values():
        side.set_visible(False)
    cc = rows["chain_completeness"].astype(float).mean() if "chain_completeness" in rows else None
    what = "Firms" if runs == 1 else f"Mean firms over {runs} runs"
    title = f"{what} by zone and stage at month {m}"
    if cc is not None and not math.isnan(cc):
        title += f"\nchain completeness (share of chain links present in the county) {cc:.2f}"
    fig.suptitle(title, fontsize=10)
    return fig


# ----------------------------------------------------------------------------------- animation
def animate_map(
    result: RunResult,
    path: str | Path,
    fps: int = 8,
    months: Sequence[int] | None = None,
    dpi: float = 80,
) -> Path:
    """The county map month by month as a GIF (Pillow) or, for a .mp4 path, an MP4 (ffmpeg).

    Why an animation: the order in which stages and zones fill is easier to see moving than in
    small multiples. Default: every month from 0 to the horizon. Written atomically.
    """
    from matplotlib import animation
    from matplotlib.backends.backend_agg import FigureCanvasAgg

    path = Path(path)
    suffix = path.suffix.lower()
    if suffix == ".gif":
        writer: animation.AbstractMovieWriter = animation.PillowWriter(fps=fps)
    elif suffix == ".mp4":
        if not animation.FFMpegWriter.isAvailable():
            raise PlotError(
                str(path),
                "",
                "writing MP4 needs ffmpeg on PATH, which was not found; "
                "install ffmpeg or write a .gif",
            )
        writer = animation.FFMpegWriter(fps=fps)
    else:
        raise PlotError(str(path), "", f"unknown animation format '{suffix}'; allowed: .gif, .mp4")
    if fps < 1:
        raise PlotError(str(path), "fps", f"{fps}; give at least 1 frame per second")
    frames = list(months) if months is not None else list(range(_horizon(result) + 1))
    frames = [_check_month(result, m) for m in frames]
    if not frames:
        raise PlotError(str(path), "months", "give at least one month")
    with style():
        fig = _new_figure(7.2, 4.6)
        FigureCanvasAgg(fig)
        ax = fig.subplots()
        layer = _result_layer(ax, result)
        _map_legends(ax, layer)

        def draw(m: int) -> None:
            n = layer.show(m)
            ax.set_title(f"{result.scenario.name}: month {m}, {n} firms")

        # The writer's own frame loop (not FuncAnimation, which would draw every frame twice);
        # the layout is solved on the first frame and then frozen, so the map does not jump.
        draw(frames[-1])
        fig.canvas.draw()
        fig.set_layout_engine("none")

        def write(tmp: Path) -> None:
            with writer.saving(fig, str(tmp), dpi):
                for m in frames:
                    draw(m)
                    writer.grab_frame()

        atomic_write(path, write, keep_suffix=True)
    return path
