"""Sensitivity analysis (sim.experiments.sensitivity): the analysis against known answers, a tiny
end-to-end run through the command, and the refusal of designs that cannot be analysed.

The analytic checks use y = 4*x1 + x2 (x3 inert) with x uniform on [0, 1]: Var y = 16/12 + 1/12,
so S1 = ST = 16/17, 1/17 and 0, and the Morris elementary effects are exactly 4, 1 and 0 per full
range. Saltelli's estimators are close to exact on an additive function: over 20 seeds at 1,024
base samples the largest error seen was 1e-3, so the tolerance of 0.01 leaves a wide margin; with
replicate noise of sd 0.05 (noise share ~1e-3 of the point means' variance after averaging 4
replicates) the tolerance is 0.03. The whole file takes a few seconds.
"""

from __future__ import annotations

import copy

import numpy as np
import pandas as pd
import pytest
import yaml
from SALib.sample import morris as morris_sample
from SALib.sample import sobol as sobol_sample

from sim.cli import main as cli_main
from sim.experiments.runner import load_sweep, salib_problem
from sim.experiments.sensitivity import analyze_design, check_structure, sensitivity_table
from tests.conftest import SCENARIOS

PROBLEM = {"num_vars": 3, "names": ["x1", "x2", "x3"], "bounds": [[0.0, 1.0]] * 3}
EXACT = {"x1": 16 / 17, "x2": 1 / 17, "x3": 0.0}


def main(argv: list[str]) -> int:
    """`python -m sim sensitivity ARGV`, in process."""
    return cli_main(["sensitivity", *argv])


def known(X: np.ndarray) -> np.ndarray:
    return 4 * X[:, 0] + X[:, 1]


def values(table: pd.DataFrame, index: str) -> pd.Series:
    return table[table["index"] == index].set_index("parameter")["value"]


# ----------------------------------------------------------------------------------- analysis
@pytest.mark.parametrize("second_order", [False, True])
def test_sobol_recovers_known_indices(second_order):
    X = sobol_sample.sample(PROBLEM, 1024, calc_second_order=second_order, seed=3)
    table = analyze_design("sobol", PROBLEM, X, known(X), second_order=second_order, seed=7)
    s1, st = values(table, "S1"), values(table, "ST")
    assert s1["x1"] > s1["x2"] > abs(s1["x3"])
    for name, exact in EXACT.items():
        assert s1[name] == pytest.approx(exact, abs=0.01), name
        assert st[name] == pytest.approx(exact, abs=0.01), name
    conf = table[table["index"].isin(["S1", "ST"])]["conf"]
    assert (conf >= 0).all() and conf.notna().all()
    if second_order:  # additive: no pair interacts
        s2 = values(table, "S2")
        assert list(s2.index) == ["x1:x2", "x1:x3", "x2:x3"]
        assert np.abs(s2.to_numpy()).max() < 0.02
    else:
        assert "S2" not in set(table["index"])


def test_morris_ranks_the_strongest_factor_first():
    X = morris_sample.sample(PROBLEM, 20, num_levels=4, seed=3)
    table = analyze_design("morris", PROBLEM, X, known(X), levels=4, seed=7)
    mu_star = values(table, "mu_star")
    assert list(mu_star.sort_values(ascending=False).index) == ["x1", "x2", "x3"]
    assert mu_star.to_numpy() == pytest.approx([4.0, 1.0, 0.0], abs=1e-9)  # exact: linear
    assert values(table, "sigma").abs().max() < 1e-9  # linear: no spread of the effects


def test_the_analysis_reads_replicate_means_in_point_order():
    """A fake results set (as load_results stacks it, rows shuffled) with y = 4*x1 + x2 + noise:
    the table averages replicates per point and keeps point p on row p of the design."""
    X = sobol_sample.sample(PROBLEM, 512, calc_second_order=False, seed=5)
    rng = np.random.default_rng(0)
    reps = 4
    rows = []
    for p, y in enumerate(known(X)):
        for r in range(reps):
            run = f"p{p:05d}-base-r{r:04d}"
            rows.append({"run": run, "point": p, "arm": "base", "replicate": r, "month": 0})
            rows.append(
                {
                    "run": run,
                    "point": p,
                    "arm": "base",
                    "replicate": r,
                    "month": 12,
                    "y": y + rng.normal(0, 0.05),
                    "flat": 2.0,
                }
            )
    ts = pd.DataFrame(rows).sample(frac=1.0, random_state=1)  # order must not matter
    out = sensitivity_table(
        "sobol", PROBLEM, X, ts, ["y", "flat"], replicates=reps, seed=11, num_resamples=200
    )
    table = out.table
    assert list(table.columns) == ["arm", "outcome", "parameter", "index", "value", "conf"]
    s1 = values(table[table["outcome"] == "y"], "S1")
    for name, exact in EXACT.items():
        assert s1[name] == pytest.approx(exact, abs=0.03), name
    notes = {n.outcome: n for n in out.notes}
    assert notes["y"].noise_share < 0.01 and not notes["y"].skipped
    assert "constant" in notes["flat"].skipped and "flat" not in set(table["outcome"])
    assert out.month.startswith("horizon")


def test_structure_check_catches_a_reordered_design():
    X = sobol_sample.sample(PROBLEM, 8, calc_second_order=False, seed=1)
    check_structure("sobol", X)
    with pytest.raises(ValueError, match="Saltelli"):
        check_structure("sobol", X[np.random.default_rng(0).permutation(len(X))])
    M = morris_sample.sample(PROBLEM, 4, num_levels=4, seed=1)
    check_structure("morris", M)
    with pytest.raises(ValueError, match="Morris"):
        check_structure("morris", M[::-1][1:-3])


# ----------------------------------------------------------------------------------- end to end
def test_shipped_sensitivity_sweep_is_a_small_sobol_design():
    plan = load_sweep(SCENARIOS / "sweeps" / "sensitivity.yaml")
    d = len(plan.factor_keys)
    assert plan.spec.design.kind == "sobol" and not plan.spec.design.second_order
    assert plan.spec.engine == "vector" and 4 <= d <= 5
    assert plan.n_runs == plan.spec.design.samples * (d + 2) * plan.spec.replicates == 896
    check_structure("sobol", plan.unit)


TINY = {
    "name": "tiny-sensitivity",
    "base": str(SCENARIOS / "baseline.yaml"),
    "engine": "vector",
    "root_seed": 5,
    "replicates": 1,
    "months": 6,
    "arms": {
        "base": {
            "population.tailors": 300,
            "population.villages": 10,
            "population.local_workers": 60,
        }
    },
    "factors": [
        {"key": "behaviour.outside_investment.pull", "low": 0.0, "high": 2.0},
        {"key": "behaviour.return_migration.peer", "low": 0.0, "high": 6.0},
    ],
    "design": {"kind": "sobol", "samples": 8, "second_order": False},
}


def write_spec(folder, **changes):
    data = copy.deepcopy(TINY)
    data.update(changes)
    path = folder / "spec.yaml"
    path.write_text(yaml.safe_dump(data, sort_keys=False), encoding="utf-8")
    return path


def test_tiny_sobol_run_writes_the_three_files(tmp_path, capsys):
    spec = write_spec(tmp_path)
    out = tmp_path / "out"
    argv = [str(spec), "--out", str(out), "--quiet", "--outcomes", "firms", "employment"]
    assert main(argv) == 0
    for name in ("sensitivity.csv", "sensitivity.md", "sensitivity.png"):
        assert (out / name).is_file() and (out / name).stat().st_size > 0, name
    assert not list(out.glob(".*.tmp"))
    table = pd.read_csv(out / "sensitivity.csv")
    assert list(table.columns) == ["arm", "outcome", "parameter", "index", "value", "conf"]
    assert set(table["index"]) == {"S1", "ST"}
    assert set(table["parameter"]) == {f["key"] for f in TINY["factors"]}
    assert set(table["outcome"]) <= {"firms", "employment"}
    assert (out / "sensitivity.png").read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    md = (out / "sensitivity.md").read_text(encoding="utf-8")
    assert "8 base samples x (D+2) = 32 points" in md and "averaged over the replicates" in md
    assert "wrote" in capsys.readouterr().out
    # the design analysed is the sweep's: same problem, stored sample in point order
    plan = load_sweep(spec)
    points = pd.read_parquet(out / "points.parquet")
    unit = points[[f"unit:{k}" for k in plan.factor_keys]].to_numpy()
    assert np.array_equal(unit, plan.unit) and salib_problem(plan)["num_vars"] == 2
    check_structure("sobol", unit)
    # rerunning resumes (nothing to run) and analyses another month
    assert (
        main([str(spec), "--out", str(out), "--quiet", "--outcomes", "firms", "--month", "3"]) == 0
    )


@pytest.mark.parametrize(
    "design", [{"kind": "lhs", "samples": 8}, {"kind": "grid"}], ids=["lhs", "grid"]
)
def test_other_designs_are_refused_before_anything_is_written(tmp_path, capsys, design):
    factors = TINY["factors"]
    if design["kind"] == "grid":
        factors = [{"key": f["key"], "values": [f["low"], f["high"]]} for f in factors]
    spec = write_spec(tmp_path, design=design, factors=factors)
    out = tmp_path / "out"
    assert main([str(spec), "--out", str(out), "--quiet"]) == 2
    err = capsys.readouterr().err.strip()
    assert len(err.splitlines()) == 1
    assert str(spec) in err and "design.kind" in err and design["kind"] in err
    assert not out.exists()
    assert sorted(p.name for p in tmp_path.iterdir()) == ["spec.yaml"]


def test_unknown_outcome_and_unstored_month_are_refused(tmp_path, capsys):
    spec = write_spec(tmp_path, keep_months=[0, 6])
    out = tmp_path / "out"
    assert main([str(spec), "--out", str(out), "--outcomes", "firmz"]) == 2
    assert "'firmz' is not a measure" in capsys.readouterr().err
    assert main([str(spec), "--out", str(out), "--month", "3"]) == 2
    assert "not stored" in capsys.readouterr().err
    assert not out.exists()
