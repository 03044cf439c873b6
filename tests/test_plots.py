"""sim.viz (style, charts, maps): each figure shows what its data says (dots = firms alive,
cells = timeseries counts, bands around the mean), the CLI writes PNG and SVG, the GIF has one
frame per month, and bad input is one line with exit status 2."""

from __future__ import annotations

import os
import subprocess
import sys

import numpy as np
import pandas as pd
import pytest
import yaml
from matplotlib.collections import PathCollection, PolyCollection
from matplotlib.colors import to_rgba
from matplotlib.container import ErrorbarContainer
from matplotlib.figure import Figure
from matplotlib.image import AxesImage
from matplotlib.patches import Rectangle
from PIL import Image

import sim
from sim import viz
from sim.cli import main
from sim.core.scaling import scale_overrides
from sim.experiments.compare import final_rows, paired_effects
from sim.viz import maps
from tests.conftest import ROOT, SCENARIOS

STEPS = 24


@pytest.fixture(scope="module")
def result() -> sim.RunResult:
    """The baseline county at 1:50 for two years: a few dozen firms, in well under a second."""
    scenario = sim.load_scenario(SCENARIOS / "baseline.yaml")
    overrides = scale_overrides(scenario, 4000)
    return sim.run(scenario, engine="vector", seed=3, steps=STEPS, overrides=overrides)


@pytest.fixture(scope="module")
def sweep_dir(tmp_path_factory) -> tuple:
    """A tiny lever sweep: no_policy against financing, 3 common seeds, 12 months, 1:20 tailors
    scaled to 600."""
    folder = tmp_path_factory.mktemp("sweep")
    spec = {
        "name": "plots-tiny",
        "base": str(SCENARIOS / "no_policy.yaml"),
        "engine": "vector",
        "root_seed": 11,
        "replicates": 3,
        "months": 12,
        "kdensity_draws": 50,
        "arms": {
            "no_policy": {"population.tailors": 600, "population.local_workers": 120},
            "financing": {
                "population.tailors": 600,
                "population.local_workers": 120,
                "levers.financing": {"enabled": True, "start": 0, "end": 12, "budget": 1.0e6},
            },
        },
    }
    path = folder / "spec.yaml"
    path.write_text(yaml.safe_dump(spec, sort_keys=False), encoding="utf-8")
    from sim.experiments.runner import run_sweep

    out = run_sweep(path, folder / "out", workers=1)
    return out, sim.load_results(out)[1]


def _alive_count(result: sim.RunResult, month: int) -> int:
    return int(result.timeseries.set_index("month").loc[month, "firms"])


def _dots(ax) -> PathCollection:
    (dots,) = [c for c in ax.collections if isinstance(c, PathCollection)]
    return dots


# ----------------------------------------------------------------------------------- maps
@pytest.mark.parametrize("month", [0, 12, None])
def test_county_map_has_one_dot_per_firm_alive_that_month(result, month):
    fig = viz.county_map(result, month)
    assert isinstance(fig, Figure)
    ax = fig.axes[0]
    m = STEPS if month is None else month
    dots = _dots(ax)
    assert len(dots.get_offsets()) == _alive_count(result, m) > 0
    assert f"month {m}" in ax.get_title()
    # zones outlined and labelled, the grid's extent is the county's
    zones = result.scenario.space.zones
    assert len([p for p in ax.patches if isinstance(p, Rectangle)]) == len(zones)
    assert {z.name for z in zones} <= {t.get_text() for t in ax.texts}
    assert ax.get_xlim() == (0, result.scenario.space.width)
    # coloured by stage with the fixed stage colours: filled dots for firms that last to the
    # horizon, rings (stage-coloured edge) for firms that exit before it
    alive = maps._alive(result.firms, m)
    stage = np.array([to_rgba(viz.stage_color(s)) for s in alive["stage"]])
    exits = alive["died"].to_numpy() >= 0
    assert np.allclose(dots.get_facecolors()[~exits], stage[~exits])
    assert np.allclose(dots.get_facecolors()[exits], to_rgba("white"))
    assert np.allclose(dots.get_edgecolors()[exits], stage[exits])
    # bigger firms, bigger dots
    sizes = dots.get_sizes()[~exits]
    order = np.argsort(alive["workers"].to_numpy()[~exits])
    assert np.all(np.diff(sizes[order]) >= 0)


def test_small_multiples_default_six_panels(result):
    fig = viz.map_small_multiples(result)
    axes = [a for a in fig.axes if a.get_visible()]
    months = maps._default_months(result)
    assert len(axes) == len(months) == 6 and months[0] == 0 and months[-1] == STEPS
    for ax, m in zip(axes, months, strict=True):
        assert len(_dots(ax).get_offsets()) == _alive_count(result, m)


def test_map_month_outside_the_run_is_refused(result):
    with pytest.raises(viz.PlotError, match="month"):
        viz.county_map(result, STEPS + 1)


# ----------------------------------------------------------------------------------- heatmap
def test_completeness_heatmap_values_are_the_timeseries_counts(result):
    month = 12
    fig = viz.completeness_heatmap(result, month)
    main_ax, side_ax = fig.axes[:2]
    (image,) = [i for i in main_ax.get_children() if isinstance(i, AxesImage)]
    counts = np.asarray(image.get_array())
    stages = list(result.scenario.chain.stages)
    zones = [t.get_text() for t in main_ax.get_yticklabels()]
    assert [t.get_text() for t in main_ax.get_xticklabels()] == stages
    row = result.timeseries.set_index("month").loc[month]
    want = np.array([[row[f"firms_{s}_in_{z}"] for s in stages] for z in zones])
    assert np.array_equal(counts, want) and counts.sum() == row["firms"]
    (side,) = [i for i in side_ax.get_children() if isinstance(i, AxesImage)]
    assert np.allclose(np.asarray(side.get_array()).ravel(), (want > 0).mean(axis=1))
    assert f"{row['chain_completeness']:.2f}" in fig.get_suptitle()
    # the same from the bare timeseries
    again = viz.completeness_heatmap(result.timeseries, month)
    (image2,) = [i for i in again.axes[0].get_children() if isinstance(i, AxesImage)]
    assert np.array_equal(np.asarray(image2.get_array()), want)


def test_heatmap_refuses_several_arms(sweep_dir):
    _out, ts = sweep_dir
    with pytest.raises(viz.PlotError, match="several arms"):
        viz.completeness_heatmap(ts)
    fig = viz.completeness_heatmap(ts[ts["arm"] == "financing"])
    assert "Mean firms over 3 runs" in fig.get_suptitle()


# ----------------------------------------------------------------------------------- trajectories
def _band_lines(ax):
    means = [ln for ln in ax.lines if ln.get_linestyle() == "-"]
    edges = [ln for ln in ax.lines if ln.get_linestyle() == "--"]
    return means, edges


@pytest.mark.parametrize("kind", ["quantile", "ci"])
def test_trajectories_mean_per_arm_inside_its_band(sweep_dir, kind):
    _out, ts = sweep_dir
    fig = viz.trajectories(ts, "employment", kind=kind)
    ax = fig.axes[0]
    means, edges = _band_lines(ax)
    assert len(means) == 2 and len(edges) == 4
    assert len([c for c in ax.collections if isinstance(c, PolyCollection)]) == 2
    for i, (arm, g) in enumerate(ts.groupby("arm", sort=False)):
        mean = g.groupby("month")["employment"].mean()
        assert np.allclose(means[i].get_ydata(), mean.to_numpy())
        assert means[i].get_color() == viz.arm_color(arm)
        lo, hi = edges[2 * i].get_ydata(), edges[2 * i + 1].get_ydata()
        varying = mean.index > 0  # month 0 is identical across seeds
        assert np.all(lo[varying] <= mean[varying] + 1e-9)
        assert np.all(mean[varying] <= hi[varying] + 1e-9)
    label = "central 95% of runs" if kind == "quantile" else "95% CI of the mean"
    assert label in ax.get_title()
    assert any(label in t.get_text() for t in ax.get_legend().get_texts())


def test_trajectories_of_one_run_and_of_a_list(result):
    fig = viz.trajectories(result, "firms")
    ax = fig.axes[0]
    assert len(ax.lines) == 1 and not any(isinstance(c, PolyCollection) for c in ax.collections)
    assert np.array_equal(ax.lines[0].get_ydata(), result.timeseries["firms"].to_numpy())
    fig = viz.trajectories([result, result], ["firms", "employment"])
    assert len(fig.axes) == 2
    with pytest.raises(viz.PlotError, match="nonsense"):
        viz.trajectories(result, "nonsense")


# ----------------------------------------------------------------------------------- effects
def test_forest_one_panel_per_outcome_one_point_per_arm(sweep_dir):
    _out, ts = sweep_dir
    final = final_rows(ts)
    effects = paired_effects(final, "no_policy", ["firms", "employment"])
    fig = viz.forest(effects, baseline="no_policy")
    axes = [a for a in fig.axes if a.get_visible()]
    assert [a.get_title() for a in axes] == ["firms", "employment"]
    for ax, outcome in zip(axes, ["firms", "employment"], strict=True):
        bars = [c for c in ax.containers if isinstance(c, ErrorbarContainer)]
        assert len(bars) == 1  # one arm (financing) against no_policy
        x = bars[0].lines[0].get_xdata()[0]
        e = effects[effects["outcome"] == outcome].iloc[0]
        assert x == pytest.approx(e["effect"])
    assert "vs no_policy" in fig.get_suptitle() and "3 paired seeds" in fig.get_suptitle()


def test_cost_effect_points_at_mean_cost_and_effect(sweep_dir):
    _out, ts = sweep_dir
    final = final_rows(ts)
    effects = paired_effects(final, "no_policy")
    fig = viz.cost_effect(final, effects)
    ax = fig.axes[0]
    bars = [c for c in ax.containers if isinstance(c, ErrorbarContainer)]
    assert len(bars) == 2
    base, fin = (c.lines[0] for c in bars)
    assert base.get_ydata()[0] == 0.0
    cost = final[final["arm"] == "financing"]["cost_total"].mean() / 1e6
    eff = effects.set_index(["arm", "outcome"]).loc[("financing", "employment"), "effect"]
    assert fin.get_xdata()[0] == pytest.approx(cost) and fin.get_ydata()[0] == pytest.approx(eff)
    with pytest.raises(viz.PlotError, match="baseline"):
        viz.cost_effect(final, effects, baseline="nope")


# ----------------------------------------------------------------------------------- survival
def test_km_curves_step_through_one_minus_the_kaplan_meier_estimate():
    runs = pd.DataFrame(
        {
            "arm": ["no_policy"] * 4 + ["financing"] * 4,
            "horizon": 120,
            "takeoff_3x_month": [30, 60, 120, 120, 20, 40, 60, 120],
            "takeoff_3x_event": [1, 1, 0, 0, 1, 1, 1, 0],
        }
    )
    fig = viz.km_curves(runs, "takeoff_3x")
    ax = fig.axes[0]
    assert len(ax.lines) == 2
    base, fin = ax.lines
    # no_policy: S = 3/4 after month 30, 3/4 x 2/3 = 1/2 after 60, then censored at 120;
    # financing: 3/4, 3/4 x 2/3 = 1/2, 1/2 x 1/2 = 1/4 after months 20, 40, 60
    assert list(base.get_xdata()) == [0, 30, 60, 120, 120]
    assert list(base.get_ydata()) == pytest.approx([0, 0.25, 0.5, 0.5, 0.5])
    assert list(fin.get_xdata()) == [0, 20, 40, 60, 120, 120]
    assert list(fin.get_ydata()) == pytest.approx([0, 0.25, 0.5, 0.75, 0.75, 0.75])
    assert base.get_drawstyle() == "steps-post"
    assert to_rgba(fin.get_color()) == to_rgba(viz.arm_color("financing"))
    labels = [t.get_text() for t in ax.get_legend().get_texts()]
    assert labels == ["no_policy: 2/4 by month 120", "financing: 3/4 by month 120"]
    assert "employment at 3x month 0" in ax.get_title()
    with pytest.raises(viz.PlotError, match="takeoff_9x_month"):
        viz.km_curves(runs, "takeoff_9x")


def test_cli_compare_on_a_sweep_writes_the_run_level_sections(sweep_dir, tmp_path, capsys):
    root, ts = sweep_dir
    runs = sim.load_results(root)[0]
    # stored per run from the full series (12 months: censored at 12, window past the horizon)
    assert (runs["horizon"] == 12).all() and runs["self_sustaining"].isna().all()
    # each stage's K-density test at the horizon: localised 0 or 1, NaN for a stage under 2 firms
    # (NaN with fewer than 2 garment firms, or none of another stage to draw counterfactuals from)
    final = ts[ts["month"] == 12].set_index("run")
    garment = runs.set_index("run")["do_localised_garment"]
    f = final.loc[garment.index]
    assert (garment.isna() == ((f["firms_garment"] < 2) | (f["firms_garment"] == f["firms"]))).all()
    assert garment.dropna().isin([0.0, 1.0]).all()
    assert runs.filter(like="do_index_").shape[1] == 6
    out = tmp_path / "cmp"
    assert main(["compare", str(root), "--out", str(out)]) == 0
    md = (out / "levers.md").read_text()
    assert "## Take-off: months to 2.5x, 3x, 3.5x month-0 employment" in md
    assert "## How much the pairing reduced variance" in md
    assert "## Localised stages at the horizon (Duranton and Overman 2005)" in md
    for t in ("2.5x", "3x", "3.5x"):
        assert (out / f"km_takeoff_{t}.png").stat().st_size > 0
    assert "P(3x by 12)" in capsys.readouterr().out


def test_k_density_draws_each_stage_against_its_bands():
    from sim.measures.kdensity import duranton_overman

    g = np.random.default_rng(2)
    W, H = 20, 10
    patch = (g.integers(3, 5, 30) * H + g.integers(3, 5, 30)).astype(np.int64)
    spread = g.integers(0, W * H, 60).astype(np.int64)
    sites = np.concatenate([patch, spread])
    results = {
        "garment": duranton_overman(patch, sites, W, H, 1.0, g, draws=100),
        "fabric": duranton_overman(spread, sites, W, H, 1.0, g, draws=100),
        "dyeing": None,  # under 2 firms: left out
    }
    fig = viz.k_density(results)
    shown = [a for a in fig.axes if a.get_visible()]
    assert [a.get_title().split(":")[0] for a in shown] == ["garment", "fabric"]
    garment = shown[0]
    assert "localised" in garment.get_title() and "30 firms" in garment.get_title()
    k_line = next(ln for ln in garment.lines if ln.get_label() == "garment")
    np.testing.assert_allclose(k_line.get_ydata(), results["garment"].k)
    assert to_rgba(k_line.get_color()) == to_rgba(viz.stage_color("garment"))
    with pytest.raises(viz.PlotError, match="no stage"):
        viz.k_density({"dyeing": None})


# ----------------------------------------------------------------------------------- sensitivity
def _index_table(kind: str) -> pd.DataFrame:
    keys = ["behaviour.a.peer", "behaviour.b.pull", "chain.base_margin"]
    names = ("S1", "ST") if kind == "sobol" else ("mu_star", "sigma", "mu")
    rows = [
        {"arm": "base", "outcome": out, "parameter": k, "index": i, "value": v, "conf": 0.05}
        for out in ("firms", "employment")
        for j, k in enumerate(keys)
        for i, v in zip(names, (0.1 * (j + 1), 0.2 * (j + 1), 0.0), strict=False)
    ]
    return pd.DataFrame(rows)


def test_sobol_indices_bars_are_the_table_values():
    table = _index_table("sobol")
    fig = viz.sobol_indices(table)
    axes = [a for a in fig.axes if a.get_visible()]
    assert [a.get_title() for a in axes] == ["firms", "employment"]
    widths = sorted(round(p.get_width(), 9) for p in axes[0].patches)
    assert widths == sorted(round(v, 9) for v in table[table["outcome"] == "firms"]["value"])
    assert [t.get_text() for t in axes[0].get_yticklabels()] == ["peer", "pull", "base_margin"]


def test_morris_points_are_mu_star_against_sigma():
    table = _index_table("morris")
    fig = viz.morris(table)
    ax = fig.axes[0]
    (bars,) = [c for c in ax.containers if isinstance(c, ErrorbarContainer)]
    assert np.allclose(bars.lines[0].get_xdata(), [0.1, 0.2, 0.3])
    assert np.allclose(bars.lines[0].get_ydata(), [0.2, 0.4, 0.6])
    assert viz.index_kind(table) == "morris"


# ----------------------------------------------------------------------------------- files
def test_save_writes_png_and_svg_and_no_temporary(tmp_path, result):
    paths = viz.save(viz.county_map(result), tmp_path / "sub" / "map")
    assert [p.name for p in paths] == ["map.png", "map.svg"]
    assert paths[0].read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    assert b"<svg" in paths[1].read_bytes()[:500]
    assert sorted(p.name for p in (tmp_path / "sub").iterdir()) == ["map.png", "map.svg"]


def test_animation_has_one_frame_per_month(tmp_path, result):
    path = viz.animate_map(result, tmp_path / "map.gif", fps=4, months=[0, 6, 12, 24])
    with Image.open(path) as gif:
        assert gif.n_frames == 4
    assert sorted(p.name for p in tmp_path.iterdir()) == ["map.gif"]
    umask = os.umask(0)
    os.umask(umask)
    assert path.stat().st_mode & 0o777 == 0o666 & ~umask  # a plain open's, not mkstemp's 0600
    with pytest.raises(viz.PlotError, match=r"\.gif, \.mp4"):
        viz.animate_map(result, tmp_path / "map.avi", months=[0])
    from matplotlib.animation import FFMpegWriter

    if not FFMpegWriter.isAvailable():
        with pytest.raises(viz.PlotError, match="ffmpeg"):
            viz.animate_map(result, tmp_path / "map.mp4", months=[0])


def test_cli_plot_run_writes_png_and_svg_and_gif(tmp_path, capsys):
    out = tmp_path / "figs"
    argv = ["plot", "run", str(SCENARIOS / "baseline.yaml"), "--engine", "vector"]
    argv += ["--set", "population.tailors=1500", "--set", "population.local_workers=300"]
    argv += ["--seed", "2", "--steps", "6", "--out", str(out), "--animate"]
    assert main(argv) == 0
    names = ("map", "map_small_multiples", "completeness", "trajectories")
    for name in names:
        for suffix in ("png", "svg"):
            assert (out / f"{name}.{suffix}").stat().st_size > 0
    with Image.open(out / "map.gif") as gif:
        assert gif.n_frames == 7  # months 0..6
    assert f"wrote {out}/" in capsys.readouterr().out


def test_cli_plot_sweep_writes_png_and_svg(sweep_dir, tmp_path, capsys):
    root, _ts = sweep_dir
    out = tmp_path / "figs"
    assert main(["plot", "sweep", str(root), "--out", str(out)]) == 0
    for name in ("trajectories", "forest", "cost_effect"):
        for suffix in ("png", "svg"):
            assert (out / f"{name}.{suffix}").stat().st_size > 0
    assert not (out / "sensitivity.png").exists()
    capsys.readouterr()
    # bad --baseline: one line naming the key, exit 2, nothing written
    bad = tmp_path / "bad"
    assert main(["plot", "sweep", str(root), "--baseline", "nope", "--out", str(bad)]) == 2
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1 and "--baseline" in err[0] and "nope" in err[0]
    assert not bad.exists()
    # a folder that is not a sweep's
    assert main(["plot", "sweep", str(tmp_path / "none"), "--out", str(bad)]) == 2
    assert "manifest" in capsys.readouterr().err and not bad.exists()


def test_cli_plot_bad_scenario_is_one_line_exit_2(tmp_path, monkeypatch, capsys):
    """In-process (tests/test_scenarios.py runs `python -m sim` once in a subprocess): the
    scenario's own one-line error, status 2, nothing on stdout, no figure written."""
    monkeypatch.chdir(tmp_path)
    out = tmp_path / "figs"
    bad = tmp_path / "bad.yaml"
    text = f"extends: {SCENARIOS / 'baseline.yaml'}\npopulation: {{tailors: -5}}\n"
    bad.write_text(text, encoding="utf-8")
    capsys.readouterr()
    assert main(["plot", "run", str(bad), "--out", str(out)]) == 2
    done = capsys.readouterr()
    assert done.err.splitlines() == [
        f"error: {bad}: population.tailors: Input should be greater than or equal to 0 (got -5)"
    ]
    assert done.out == "" and sorted(tmp_path.iterdir()) == [bad]


# ----------------------------------------------------------------------------------- colours
def test_colours_are_fixed_per_stage_and_arm(monkeypatch):
    """Every stage of the model's chain and every arm of the shipped lever sweep has a colour of
    its own (garment is vermillion, as sim.viz.style says), the same whatever other names were
    coloured before; a name not listed gets the colour its CRC-32 picks from EXTRA_COLORS (the
    same in any session), or the next free one when an earlier name of the session holds that."""
    import importlib
    import zlib

    from sim.experiments.plan import load_sweep

    style = importlib.import_module("sim.viz.style")  # the module (sim.viz.style is its function)
    monkeypatch.setattr(style, "_assigned", {"arm": {}, "stage": {}})  # a fresh session
    stages = sim.load_scenario(SCENARIOS / "baseline.yaml").chain.stages
    arms = list(load_sweep(SCENARIOS / "sweeps" / "levers.yaml").arms)
    assert len(stages) == 6 and len(arms) == 6
    assert set(stages) <= viz.STAGE_COLORS.keys() and set(arms) <= viz.ARM_COLORS.keys()
    stage_colours = [viz.stage_color(s) for s in stages]
    arm_colours = [viz.arm_color(a) for a in arms]
    assert len(set(stage_colours)) == len(stages) and len(set(arm_colours)) == len(arms)
    assert viz.stage_color("garment") == "#D55E00"  # Okabe-Ito vermillion
    assert viz.arm_color("no_policy") == "#6E6E6E"
    # unlisted names: the first takes its CRC-32 slot; a second one with the same slot moves on
    extra = style.EXTRA_COLORS
    slot = zlib.crc32(b"some_new_arm") % len(extra)
    other = next(f"arm{i}" for i in range(1000) if zlib.crc32(b"arm%d" % i) % len(extra) == slot)
    first = viz.arm_color("some_new_arm")
    assert first == extra[slot]
    assert viz.arm_color(other) == extra[(slot + 1) % len(extra)]
    assert viz.arm_color("some_new_arm") == first  # an unlisted name keeps its colour
    assert viz.stage_color("some_new_arm") == first  # stages keep a register of their own
    # listed names do not depend on what was coloured before
    assert [viz.stage_color(s) for s in stages] == stage_colours
    assert [viz.arm_color(a) for a in arms] == arm_colours
    monkeypatch.setattr(style, "_assigned", {"arm": {}, "stage": {}})  # another session
    assert viz.arm_color(other) == extra[slot] and viz.arm_color("some_new_arm") != extra[slot]


def test_importing_viz_imports_neither_solara_nor_mesa():
    """`from sim import viz` (charts and maps) leaves the dashboard's Solara and Mesa unloaded."""
    code = "import sys, sim.viz; print(sorted({'solara', 'mesa'} & set(sys.modules)))"
    done = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, cwd=ROOT, timeout=120
    )
    assert done.returncode == 0, done.stderr
    assert done.stdout.strip() == "[]"
