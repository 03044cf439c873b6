"""Charts of runs and sweeps: trajectories with bands, forest plots of paired lever effects,
cost against effect, Kaplan-Meier curves of the months to take-off, Duranton-Overman K-densities
with their counterfactual bands, and the sensitivity panels
(Sobol S1/ST bars, Morris mu_star against sigma).

Why a module of its own: these are the figures of numbers over months and over arms, read from
the project's tables; they share no drawing with the county map (`sim.viz.maps`), only the look of
`sim.viz.style`. Inputs: a `RunResult` (one run), or a sweep's stacked timeseries
(`sim.load_results(dir)[1]`: columns arm, replicate, seed, month and the measures), the paired
effects of `sim.experiments.compare.paired_effects`, the final rows of
`sim.experiments.compare.final_rows` (for `km_curves`, a table of runs with their run-level
outcomes: `sim.load_results(dir)[0]`) and the tidy index table of `sim.experiments.sensitivity`
(arm, outcome, parameter, index, value, conf). Each function returns a matplotlib Figure.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from typing import Any

import numpy as np
import pandas as pd
from matplotlib.axes import Axes
from matplotlib.figure import Figure
from matplotlib.lines import Line2D
from matplotlib.patches import Patch
from matplotlib.ticker import MaxNLocator
from matplotlib.transforms import offset_copy

from sim.experiments.compare import by_horizon, common_horizon
from sim.experiments.run import RunResult
from sim.experiments.survival import kaplan_meier
from sim.measures.kdensity import DOResult
from sim.measures.outcomes import label
from sim.viz.style import (
    INDEX_COLORS,
    PlotError,
    _new_figure,
    _root_figure,
    _styled,
    arm_color,
    check_columns,
    stage_color,
)

__all__ = [
    "cost_effect",
    "forest",
    "index_kind",
    "k_density",
    "km_curves",
    "morris",
    "short_names",
    "sobol_indices",
    "trajectories",
]

BAND_DESCRIPTIONS = {"quantile": "central {p} of runs", "ci": "{p} CI of the mean (Student t)"}

LABELS = {
    "eg_gamma_cluster": "Ellison-Glaeser gamma, cluster (blocks)",
    "eg_gamma_garment": "Ellison-Glaeser gamma, garment (blocks)",
    "egk_fabric_garment": "coagglomeration, fabric-garment (blocks)",
    "park_share": "park's share of cluster employment",
    "morans_i": "Moran's I",
    "hhi_zones": "HHI (zones)",
}


def _title(text: str) -> str:
    """A measure's name as a reader would write it (firms_zone_core -> firms zone core)."""
    return LABELS.get(text, text.replace("_", " "))


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
    check_columns(ts, ["month", *measures], "timeseries")
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
    check_columns(effects, ["arm", "outcome", "effect", "lo", "hi", "n"], "effects")
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
    check_columns(final, ["arm", "cost_total"], "final")
    check_columns(effects, ["arm", "outcome", "effect", "lo", "hi"], "effects")
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


# ----------------------------------------------------------------------------------- survival
@_styled
def km_curves(runs: pd.DataFrame, outcome: str = "takeoff_3x") -> Figure:
    """Kaplan-Meier curves of one time outcome, one per arm: the share of runs in which the event
    (take-off at a threshold, a complete chain...) has happened by each month, 1 - S(t), with
    its pointwise 95% Greenwood (log-log) band.

    Why 1 - S: it reads as "share taken off by month t" and ends at the P(by the horizon) of the
    comparison's table. Runs where the event has not happened are censored at the common
    horizon (`sim.experiments.compare.by_horizon`), not counted as failures. `runs`: one row
    per run with columns arm, `<outcome>_month` and `<outcome>_event` (a sweep's runs table, or
    `with_run_outcomes(final_rows(ts), runs)`).
    """
    tm, ev = f"{outcome}_month", f"{outcome}_event"
    check_columns(runs, ["arm", tm, ev], "runs")
    data = by_horizon(runs)
    h = common_horizon(runs)
    if math.isnan(h):
        h = float(data[tm].max())
    fig = _new_figure(5.8, 3.9)
    a = fig.subplots()
    for arm, g in data.groupby("arm", sort=False):
        g = g[g[tm].notna()]
        if g.empty:
            continue
        km = kaplan_meier(g[tm].to_numpy(), g[ev].to_numpy())
        last = km.survival[-1] if km.survival.size else 1.0
        x = np.concatenate([[0.0], km.time, [h]])
        s = np.concatenate([[1.0], km.survival, [last]])
        lo = np.concatenate([[1.0], km.lo, [km.lo[-1] if km.lo.size else 1.0]])
        hi = np.concatenate([[1.0], km.hi, [km.hi[-1] if km.hi.size else 1.0]])
        color = arm_color(str(arm))
        k = int(g[ev].sum())
        a.step(x, 1 - s, where="post", color=color, label=f"{arm}: {k}/{km.n} by month {h:.0f}")
        a.fill_between(x, 1 - hi, 1 - lo, step="post", color=color, alpha=0.12, lw=0)
    a.set_xlim(0, h)
    a.set_ylim(-0.02, 1.02)
    a.set_xlabel("month")
    a.set_ylabel("share of runs reached (1 - S)")
    a.legend(loc="upper left")
    a.set_title(
        f"Months to {label(outcome)}\nKaplan-Meier, 95% Greenwood band (censored at month {h:.0f})"
    )
    return fig


def k_density(results: dict[str, DOResult | None], stages: Sequence[str] | None = None) -> Figure:
    """Duranton-Overman K-densities of a run's stages (`RunResult.duranton_overman()`), one
    panel each: the stage's K(d) over distance in km against the counterfactuals' local band
    (5th-95th percentile at each distance, shaded) and global band (dashed: only 5% of
    counterfactuals leave it anywhere). Above the upper global band somewhere: localised.

    Why a panel per stage: the bands are the stage's own (drawn with its number of firms and
    its bandwidth), so K-densities of different stages are not compared on one axis."""
    shown = [s for s in (stages or results) if results.get(s) is not None]
    if not shown:
        raise PlotError("k_density", "results", "no stage with 2 firms and a firm of another stage")
    cols = min(3, len(shown))
    rows = -(-len(shown) // cols)
    fig = _new_figure(4.0 * cols, 3.0 * rows)
    axes = np.atleast_1d(fig.subplots(rows, cols)).ravel()
    for a, stage in zip(axes, shown, strict=False):
        r = results[stage]
        assert r is not None
        d, color = r.distances_km, stage_color(stage)
        a.fill_between(d, r.local_lo, r.local_hi, color="0.85", lw=0, label="local 90% band")
        a.plot(d, r.global_hi, color="0.4", ls="--", lw=1, label="global band")
        a.plot(d, r.global_lo, color="0.4", ls="--", lw=1)
        a.plot(d, r.k, color=color, lw=2, label=stage)
        verdict = "localised" if r.localised else "dispersed" if r.dispersed else "neither"
        a.set_title(f"{stage}: {r.plants} firms, {verdict}")
        a.set_xlabel("distance (km)")
        a.set_ylabel("K-density")
        a.set_xlim(0, d[-1])
    for a in axes[len(shown) :]:
        a.set_visible(False)
    axes[0].legend(loc="upper right")
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
    check_columns(table, ["arm", "outcome", "parameter", "index", "value", "conf"], "table")
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
