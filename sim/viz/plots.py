"""Every figure of clustersim, in one place and one style.

Why one module: the lever comparison, the sensitivity report, the `python -m sim plot` command,
the gallery and the notebooks all draw the same few pictures. Drawing them here once keeps one
look (the `STYLE` rcParams, applied by every function) and one meaning per colour: a value-chain
stage and a lever arm have the same colour in every figure (`stage_color`, `arm_color`), so a
reader who learnt "garment is vermillion" on the map does not have to relearn it on the heatmap.

Every function returns a `matplotlib.figure.Figure` built without pyplot (no global figure
registry, no GUI backend is touched), so it is safe on a headless machine and in worker processes,
and it still displays inline in Jupyter. `save` writes PNG and SVG atomically (temporary file, then
rename), like every other output of the project.

Inputs are the project's own tables: a `RunResult` (one run), or a sweep's stacked timeseries
(`sim.load_results(dir)[1]`: columns arm, replicate, seed, month and the measures), the paired
effects of `sim.experiments.compare.paired_effects`, the final rows of
`sim.experiments.compare.final_rows` and the tidy index table of `sim.experiments.sensitivity` (arm,
outcome, parameter, index, value, conf).
"""

from __future__ import annotations

import functools
import math
import zlib
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import matplotlib
import numpy as np
import pandas as pd
from matplotlib.axes import Axes
from matplotlib.figure import Figure, FigureBase
from matplotlib.lines import Line2D
from matplotlib.patches import Patch, Rectangle
from matplotlib.ticker import MaxNLocator
from matplotlib.transforms import offset_copy

from sim.experiments.run import RunResult
from sim.io.errors import InputError
from sim.io.files import atomic_write

__all__ = [
    "ARM_COLORS",
    "STAGE_COLORS",
    "STYLE",
    "PlotError",
    "animate_map",
    "arm_color",
    "completeness_heatmap",
    "cost_effect",
    "county_map",
    "forest",
    "map_small_multiples",
    "morris",
    "save",
    "sobol_indices",
    "stage_color",
    "style",
    "trajectories",
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
BAND_DESCRIPTIONS = {"quantile": "central {p} of runs", "ci": "{p} CI of the mean (Student t)"}

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


LABELS = {"eg_gamma": "Ellison-Glaeser gamma", "morans_i": "Moran's I", "hhi_zones": "HHI (zones)"}


def _title(text: str) -> str:
    """A measure's name as a reader would write it (firms_zone_core -> firms zone core)."""
    return LABELS.get(text, text.replace("_", " "))


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


# ----------------------------------------------------------------------------------- trajectories
def _stack_runs(runs: Sequence[RunResult]) -> pd.DataFrame:
    """RunResults as one tidy timeseries: arm = scenario name, replicate = run within its name."""
    frames, seen = [], {}
    for r in runs:
        name = r.scenario.name
        rep = seen.get(name, 0)
        seen[name] = rep + 1
        frames.append(r.timeseries.assign(arm=name, replicate=rep, seed=r.seed))
    if not frames:
        raise PlotError("trajectories", "timeseries", "no runs given")
    return pd.concat(frames, ignore_index=True)


def _as_timeseries(data: pd.DataFrame | RunResult | Sequence[RunResult]) -> pd.DataFrame:
    if isinstance(data, pd.DataFrame):
        return data
    if isinstance(data, RunResult):
        return _stack_runs([data])
    return _stack_runs(list(data))


def _check_columns(df: pd.DataFrame, cols: Sequence[str], source: str) -> None:
    for col in cols:
        if col not in df.columns:
            shown = ", ".join(c for c in df.columns[:12])
            raise PlotError(source, col, f"no such column; columns include: {shown}, ...")


def _band(g: pd.DataFrame, measure: str, band: float, kind: str) -> pd.DataFrame:
    """Per month: n, mean and the band's lower and upper edges (NaN where n < 2)."""
    by_month = g.groupby("month")[measure]
    out = by_month.agg(["count", "mean", "std"])
    n = out["count"].to_numpy()
    if kind == "quantile":
        q = by_month.quantile([(1 - band) / 2, (1 + band) / 2]).unstack()
        out["lo"], out["hi"] = q.iloc[:, 0], q.iloc[:, 1]
    else:
        from scipy import stats

        with np.errstate(invalid="ignore", divide="ignore"):
            t = stats.t.ppf((1 + band) / 2, np.maximum(n - 1, 1))
            half = t * out["std"].to_numpy() / np.sqrt(n)
        out["lo"], out["hi"] = out["mean"] - half, out["mean"] + half
    out.loc[out["count"] < 2, ["lo", "hi"]] = np.nan
    return out


@_styled
def trajectories(
    timeseries: pd.DataFrame | RunResult | list[RunResult],
    measure: str | Sequence[str] = "firms",
    by: str = "arm",
    band: float = 0.95,
    ax: Axes | None = None,
    *,
    kind: str = "quantile",
) -> Figure:
    """Mean path of `measure` per group (`by`, default arm) over the months, with a band.

    Why a band: one seed is one possible history; the band shows how far histories spread
    (kind="quantile": the central `band` share of runs, the default) or how precisely the mean path
    is known (kind="ci": Student-t interval of the mean). The legend and title say which. A single
    RunResult gives one line and no band. `measure` may be a list: one panel per measure, one
    shared legend (then `ax` must be None).
    """
    if kind not in BAND_DESCRIPTIONS:
        raise PlotError("trajectories", "kind", f"'{kind}'; allowed: quantile, ci")
    if not 0 < band < 1:
        raise PlotError("trajectories", "band", f"{band} is not a share strictly in (0, 1)")
    ts = _as_timeseries(timeseries)
    measures = [measure] if isinstance(measure, str) else list(measure)
    _check_columns(ts, ["month", *measures], "timeseries")
    if by not in ts.columns:
        ts = ts.assign(**{by: "all runs"})
    if ax is not None and len(measures) != 1:
        raise PlotError("trajectories", "ax", "one axes holds one measure; pass ax=None")
    if ax is None:
        fig = _new_figure(4.3 * len(measures), 3.4)
        axes = list(np.atleast_1d(fig.subplots(1, len(measures))))
    else:
        fig, axes = _root_figure(ax), [ax]
    what = BAND_DESCRIPTIONS[kind].format(p=f"{band:.0%}")
    any_band = False
    handles: list[Any] = []
    edges = ts[by].nunique() <= 3  # dashed band edges help up to 3 groups, then only clutter
    for a, col in zip(axes, measures, strict=True):
        handles = []
        for group, g in ts.groupby(by, sort=False):
            color = arm_color(str(group))
            s = _band(g, col, band, kind)
            runs = int(s["count"].max())
            (line,) = a.plot(s.index, s["mean"], color=color, label=f"{group} (n={runs})")
            handles.append(line)
            if s["lo"].notna().any():
                any_band = True
                a.fill_between(s.index, s["lo"], s["hi"], color=color, alpha=0.1, lw=0)
                for edge in ("lo", "hi") if edges else ():
                    a.plot(s.index, s[edge], color=color, lw=0.6, alpha=0.6, ls="--")
        a.set_title(_title(col))
        a.set_xlabel("month")
    if any_band:
        handles.append(Patch(color="#999999", alpha=0.35, label=f"band: {what}"))
    groups = list(dict.fromkeys(ts[by]))
    if any_band:
        head = f"mean per {by}; band: {what}"
    elif len(groups) == 1:
        seeds = ts["seed"].unique() if "seed" in ts.columns else []
        head = f"{groups[0]}" + (f", seed {seeds[0]}" if len(seeds) == 1 else "")
    else:
        head = f"one run per {by}"
    several = len(handles) > 1
    if len(measures) == 1:
        a = axes[0]
        if several:
            a.legend(handles=handles, loc="best")
        a.set_title(f"{_title(measures[0])}\n{head}")
    else:
        if several:
            fig.legend(handles=handles, loc="outside right upper")
        fig.suptitle(head[0].upper() + head[1:] if any_band else head)
    return fig


# ----------------------------------------------------------------------------------- effects
@_styled
def forest(
    effects: pd.DataFrame,
    outcomes: Sequence[str] | None = None,
    *,
    baseline: str | None = None,
) -> Figure:
    """Forest plot of paired lever effects: one panel per outcome, one row per arm, the mean
    paired difference with its 95% interval, and a line at zero (no effect).

    Why per outcome: outcomes have different units, so each gets its own axis; arms keep one row
    and one colour across panels. `effects` is `sim.experiments.compare.paired_effects(...)`.
    """
    _check_columns(effects, ["arm", "outcome", "effect", "lo", "hi", "n"], "effects")
    present = list(dict.fromkeys(effects["outcome"]))
    outcomes = list(outcomes) if outcomes is not None else present
    for name in outcomes:
        if name not in present:
            raise PlotError("effects", "outcome", f"'{name}' not in the effects; have {present}")
    arms = list(dict.fromkeys(effects["arm"]))
    if not outcomes or not arms:
        raise PlotError("effects", "", "holds no effects to plot")
    ncol = min(3, len(outcomes))
    nrow = math.ceil(len(outcomes) / ncol)
    fig = _new_figure(3.3 * ncol + 0.6, 0.35 * len(arms) * nrow + 1.0 * nrow + 0.5)
    axes = np.atleast_1d(fig.subplots(nrow, ncol, sharey=True, squeeze=False)).ravel()
    y = np.arange(len(arms))
    for a, col in zip(axes, outcomes, strict=False):
        e = effects[effects["outcome"] == col].set_index("arm").reindex(arms)
        for i, arm in enumerate(arms):
            eff, lo, hi = e.loc[arm, ["effect", "lo", "hi"]].astype(float)
            err = None if math.isnan(lo) else [[eff - lo], [hi - eff]]
            a.errorbar(eff, y[i], xerr=err, fmt="o", color=arm_color(arm), ms=5)
        a.axvline(0, color="#444444", lw=0.8)
        a.set_title(_title(col))
        a.grid(axis="y", visible=False)
        a.margins(x=0.15)
        # five-digit effects (jobs at 1:1) overlap at the default tick density of a narrow panel
        a.xaxis.set_major_locator(MaxNLocator(nbins=5))
    for a in axes[len(outcomes) :]:
        a.set_visible(False)
    axes[0].set_yticks(y, arms)
    axes[0].set_ylim(len(arms) - 0.5, -0.5)  # first arm on top
    n = sorted({int(v) for v in effects["n"].dropna()})
    seeds = f"{n[0]} paired seeds" if len(n) == 1 else "paired seeds"
    against = f" vs {baseline}" if baseline else ""
    fig.suptitle(f"Effect at the horizon{against}: paired mean and 95% interval ({seeds})")
    return fig


def _mean_ci(values: pd.Series) -> tuple[float, float]:
    """Mean and Student-t 95% half-width (NaN with fewer than 2 values)."""
    from scipy import stats

    v = values.astype(float).dropna().to_numpy()
    if v.size < 2:
        return (float(v.mean()) if v.size else math.nan), math.nan
    half = stats.t.ppf(0.975, v.size - 1) * v.std(ddof=1) / math.sqrt(v.size)
    return float(v.mean()), float(half)


@_styled
def cost_effect(
    final: pd.DataFrame,
    effects: pd.DataFrame,
    baseline: str = "no_policy",
    outcome: str = "employment",
) -> Figure:
    """Fiscal cost against effect, one point per arm, both with 95% intervals.

    Why: a lever is judged by what it buys per yuan; the slope from the origin to a point is the
    effect per million yuan (printed next to each arm). The x interval is the spread of the mean
    cost over seeds (take-up varies by seed), the y interval the paired effect's. `final` is
    `sim.experiments.compare.final_rows(timeseries)`, `effects`
    `sim.experiments.compare.paired_effects(final, baseline)`.
    """
    _check_columns(final, ["arm", "cost_total"], "final")
    _check_columns(effects, ["arm", "outcome", "effect", "lo", "hi"], "effects")
    arms = list(dict.fromkeys(final["arm"]))
    if baseline not in arms:
        raise PlotError("final", "baseline", f"'{baseline}' is not an arm; arms: {arms}")
    e = effects[effects["outcome"] == outcome].set_index("arm")
    if e.empty:
        have = list(dict.fromkeys(effects["outcome"]))
        raise PlotError("effects", "outcome", f"'{outcome}' not in the effects; have {have}")
    points = []
    for arm in arms:
        cost, chalf = _mean_ci(final.loc[final["arm"] == arm, "cost_total"] / 1e6)
        if arm == baseline:
            y, yerr = 0.0, None
        elif arm in e.index:
            y, lo, hi = (float(e.loc[arm, k]) for k in ("effect", "lo", "hi"))
            yerr = None if math.isnan(lo) else [[y - lo], [hi - y]]
        else:
            continue
        xerr = None if math.isnan(chalf) or chalf == 0 else chalf
        points.append((arm, cost, xerr, y, yerr))
    unit = "jobs" if outcome == "employment" else _title(outcome)
    fig = _new_figure(6.0, 4.4)
    a = fig.subplots()
    handles = []
    xs = np.array([p[1] for p in points])
    span = float(xs.max() - xs.min()) or 1.0
    for i, (arm, cost, xerr, y, yerr) in enumerate(points):
        hollow = arm == baseline
        # arms of (nearly) equal cost are drawn a few pixels apart, so no interval hides another
        same = np.flatnonzero(np.abs(xs - cost) <= 0.01 * span)
        shift = (int(np.searchsorted(same, i)) - (same.size - 1) / 2) * 7.0
        bars = a.errorbar(
            cost,
            y,
            xerr=xerr,
            yerr=yerr,
            fmt="o",
            ms=6,
            color=arm_color(arm),
            mfc="white" if hollow else arm_color(arm),
        )
        if shift:
            moved = offset_copy(a.transData, fig=fig, x=shift, y=0, units="dots")
            for artist in bars.get_children():
                artist.set_transform(moved)
        label = f"{arm} (baseline)" if hollow else arm
        if not hollow and cost > 0:
            label += f": {y / cost:+.3g} {unit} per M yuan"
        handles.append(
            Line2D(
                [],
                [],
                ls="",
                marker="o",
                ms=6,
                color=arm_color(arm),
                mfc="white" if hollow else arm_color(arm),
                label=label,
            )
        )
    # a legend rather than labels at the points: points of equal cost would overlap
    a.legend(handles=handles, loc="best")
    a.axhline(0, color="#444444", lw=0.8)
    a.margins(x=0.1, y=0.15)
    a.set_xlabel("fiscal cost, million yuan (mean over seeds, 95% interval)")
    a.set_ylabel(f"{_title(outcome)} vs {baseline} at the horizon")
    a.set_title("Cost against effect (paired mean, 95% interval)")
    return fig


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
    """The county drawn once on an axes (zones and labels) with a firm layer that can be moved
    to any month: county_map draws one month, the small multiples several, the animation all."""

    def __init__(self, ax: Axes, result: RunResult) -> None:
        from sim.core.space import build_county

        self.ax, self.result = ax, result
        self.firms = result.firms
        _check_columns(self.firms, ["x", "y", "stage", "born", "died", "workers"], "result.firms")
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
        county = build_county(result.scenario)
        w, h = county.width, county.height
        for z in result.scenario.space.zones:
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
        stages = list(self.result.scenario.chain.stages)
        extra = [s for s in dict.fromkeys(self.firms["stage"]) if s not in stages]
        colour = [
            Line2D([], [], ls="", marker="o", ms=6, color=stage_color(s), label=s)
            for s in stages + extra
        ]
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
        kw = {"loc": "lower left", "bbox_to_anchor": (1.02, 0.0)}
    else:
        kw = {"loc": "outside right lower"}
    target.legend(handles=size, title="workers at\nthe horizon", labelspacing=1.0, **kw)


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
    layer = _MapLayer(ax, result)
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
        layer = _MapLayer(a, result)
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
    _check_columns(ts, ["month"], "timeseries")
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


# ----------------------------------------------------------------------------------- sensitivity
def short_names(keys: Sequence[str]) -> dict[str, str]:
    """The shortest dotted suffix of each key that tells it apart from the others (readable
    tick labels: 'pull' rather than 'behaviour.outside_investment.pull')."""
    out = {}
    for key in keys:
        parts = key.split(".")
        for n in range(1, len(parts) + 1):
            tail = ".".join(parts[-n:])
            if sum(k == tail or k.endswith(f".{tail}") for k in keys) == 1:
                out[key] = tail
                break
        else:
            out[key] = key
    return out


def _index_panels(
    table: pd.DataFrame,
    kind: str,
    notes: Sequence[Any] | None,
    title: str | None,
) -> Figure:
    """One panel per (arm, outcome) of a sensitivity table; `notes` (sim.experiments.sensitivity's
    OutcomeNote: arm, outcome, noise_share, skipped) order the panels and add the noise share or
    why an outcome was not analysed."""
    _check_columns(table, ["arm", "outcome", "parameter", "index", "value", "conf"], "table")
    main = ("S1", "ST") if kind == "sobol" else ("mu_star", "sigma")
    sub = table[table["index"].isin(main)]
    if notes:
        panels = [(n.arm, n.outcome, n) for n in notes]
    else:
        pairs = dict.fromkeys(zip(sub["arm"], sub["outcome"], strict=True))
        panels = [(arm, outcome, None) for arm, outcome in pairs]
    if not panels:
        raise PlotError("table", "index", f"holds no {' or '.join(main)} rows")
    keys = list(dict.fromkeys(sub["parameter"]))
    short = short_names(keys)
    several = len({p[0] for p in panels}) > 1
    ncol = min(3, len(panels))
    nrow = math.ceil(len(panels) / ncol)
    if kind == "sobol":
        fig = _new_figure(3.0 * ncol + 1.6, (0.42 * len(keys) + 1.0) * nrow + 0.6)
        axes = fig.subplots(nrow, ncol, squeeze=False, sharey=True).ravel()
    else:
        fig = _new_figure(3.6 * ncol + 0.4, 3.2 * nrow + 0.6)
        axes = fig.subplots(nrow, ncol, squeeze=False).ravel()
    for a in axes[len(panels) :]:
        a.set_visible(False)
    for a, (arm, outcome, note) in zip(axes, panels, strict=False):
        head = _title(outcome) + (f" ({arm})" if several else "")
        noise = getattr(note, "noise_share", math.nan)
        if noise is not None and not math.isnan(noise):
            head += f"\nnoise share {noise:.2f}"
        a.set_title(head, fontsize=9)
        rows = sub[(sub["arm"] == arm) & (sub["outcome"] == outcome)]
        skipped = getattr(note, "skipped", "") or ("" if len(rows) else "no indices")
        if skipped:
            a.text(
                0.5,
                0.5,
                f"not analysed:\n{skipped}",
                ha="center",
                va="center",
                fontsize=7,
                wrap=True,
                transform=a.transAxes,
            )
            a.set_axis_off()  # (not set_yticks: panels may share their y axis)
            continue
        if kind == "sobol":
            _sobol_panel(a, rows, keys, short)
        else:
            _morris_panel(a, rows, keys, short)
    if kind == "sobol":
        handles = [Patch(color=INDEX_COLORS[i], label=i) for i in ("S1", "ST")]
        fig.legend(handles=handles, loc="outside right upper", title="index")
        what = "Sobol indices: first order S1 and total ST (bootstrap 95% interval)"
    else:
        what = "Morris: mu_star (importance, 95% interval) against sigma (interactions)"
    fig.suptitle(title or what, fontsize=10)
    return fig


def _sobol_panel(a: Axes, rows: pd.DataFrame, keys: list[str], short: dict[str, str]) -> None:
    y = np.arange(len(keys))
    for offset, index in ((-0.2, "S1"), (0.2, "ST")):
        r = rows[rows["index"] == index].set_index("parameter").reindex(keys)
        a.barh(
            y + offset,
            r["value"],
            height=0.38,
            xerr=r["conf"],
            color=INDEX_COLORS[index],
            error_kw={"lw": 0.9, "capsize": 2},
            label=index,
        )
    a.axvline(0, color="#444444", lw=0.6)
    a.set_yticks(y, [short[k] for k in keys])
    a.set_ylim(len(keys) - 0.5, -0.5)
    lo, hi = a.get_xlim()
    a.set_xlim(min(-0.05, lo), max(1.05, hi))
    a.grid(axis="y", visible=False)


def _morris_panel(a: Axes, rows: pd.DataFrame, keys: list[str], short: dict[str, str]) -> None:
    mu = rows[rows["index"] == "mu_star"].set_index("parameter").reindex(keys)
    sigma = rows[rows["index"] == "sigma"].set_index("parameter").reindex(keys)
    a.errorbar(mu["value"], sigma["value"], xerr=mu["conf"], fmt="o", ms=4, color="#0072B2")
    top_x = float(np.nanmax((mu["value"] + mu["conf"].fillna(0)).to_numpy()))
    top_y = float(np.nanmax(sigma["value"].to_numpy()))
    top = max(top_x, top_y, 1e-12) * 1.15
    # labels of nearby points are stacked upwards (in axes fractions) so they do not overlap
    placed: list[tuple[float, float]] = []
    xmax, ymax = max(top_x, 1e-12) * 1.15, max(top_y, 1e-12) * 1.15
    for k in sorted(keys, key=lambda k: float(np.nan_to_num(sigma.loc[k, "value"]))):
        x, y = float(mu.loc[k, "value"]), float(sigma.loc[k, "value"])
        if math.isnan(x) or math.isnan(y):
            continue
        fx, fy = x / xmax, y / ymax
        ly = fy
        while any(abs(fx - px) < 0.3 and abs(ly - py) < 0.06 for px, py in placed):
            ly += 0.06
        placed.append((fx, ly))
        a.annotate(
            short[k],
            (x, y),
            fontsize=7,
            xytext=(3, 3 + (ly - fy) * 170),
            textcoords="offset points",
            arrowprops={"arrowstyle": "-", "lw": 0.4, "color": "#888888"} if ly > fy else None,
        )
    a.plot([0, top], [0, top], color="#888888", lw=0.6, ls="--")  # sigma = mu_star
    a.set_xlabel("mu_star (per full range)")
    a.set_ylabel("sigma")
    a.set_xlim(0, xmax)
    a.set_ylim(0, ymax)


@_styled
def sobol_indices(
    table: pd.DataFrame, *, notes: Sequence[Any] | None = None, title: str | None = None
) -> Figure:
    """S1 and ST per parameter with their bootstrap 95% intervals, one panel per (arm, outcome).

    `table` is sim.experiments.sensitivity's tidy table (sensitivity.csv: arm, outcome, parameter,
    index, value, conf; S2 rows are left out). Why both: S1 is what a parameter does alone, ST with
    its interactions; ST near 0 means the parameter can be fixed at its default."""
    return _index_panels(table, "sobol", notes, title)


@_styled
def morris(
    table: pd.DataFrame, *, notes: Sequence[Any] | None = None, title: str | None = None
) -> Figure:
    """Morris screening: mu_star (importance, with its 95% interval) against sigma
    (non-linearity or interactions), one panel per (arm, outcome); above the dashed diagonal a
    parameter acts mostly through interactions."""
    return _index_panels(table, "morris", notes, title)


def index_kind(table: pd.DataFrame) -> str:
    """'sobol' or 'morris', from the indices a sensitivity table holds."""
    return "sobol" if "ST" in set(table["index"]) else "morris"


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
        layer = _MapLayer(ax, result)
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
