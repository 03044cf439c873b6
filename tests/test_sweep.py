"""Parameter sweeps (sim.experiments.runner): validation, designs, seeds, executors, storage and
resume.

Runs are tiny (a few hundred tailors, 6-12 months, vector engine) so the whole file takes well
under a minute; the outputs compared across executors and across a kill are bit-for-bit equal.
"""

from __future__ import annotations

import copy
import os
import signal
import subprocess
import sys
import time
from concurrent.futures import Future
from concurrent.futures.process import BrokenProcessPool
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
import yaml

from sim.cli import main
from sim.experiments.executors import SequentialExecutor
from sim.experiments.plan import _flatten
from sim.experiments.run import run
from sim.experiments.runner import (
    POOL_RETRIES,
    SweepError,
    _pump,
    load_results,
    load_sweep,
    run_seed,
    run_sweep,
)
from sim.io.loading import load_scenario, with_overrides
from tests.conftest import ROOT, SCENARIOS

SWEEPS = SCENARIOS / "sweeps"
ENTRY = "import sys; from sim.cli import main; sys.exit(main(sys.argv[1:]))"
VOLATILE = ["wall_seconds", "worker", "finished"]  # differ between two runs of the same sweep

TINY = {
    "name": "tiny",
    "base": str(SCENARIOS / "baseline.yaml"),
    "engine": "vector",
    "root_seed": 11,
    "replicates": 2,
    "months": 6,
    "arms": {"base": {}, "no_financing": {"levers.financing.enabled": False}},
    "factors": [
        {"key": "population.tailors", "values": [200, 400]},
        {"key": "population.local_workers", "values": [40, 80]},
    ],
    "design": {"kind": "list"},
}


def write_sweep(folder: Path, name: str = "sweep.yaml", **changes) -> Path:
    data = copy.deepcopy(TINY)
    for key, value in changes.items():
        if value is None:
            data.pop(key, None)
        else:
            data[key] = value
    path = folder / name
    path.write_text(yaml.safe_dump(data, sort_keys=False), encoding="utf-8")
    return path


def outputs(out: Path) -> tuple[pd.DataFrame, pd.DataFrame]:
    runs, ts = load_results(out)
    return runs.drop(columns=VOLATILE), ts


def assert_same_outputs(a: Path, b: Path) -> None:
    runs_a, ts_a = outputs(a)
    runs_b, ts_b = outputs(b)
    pd.testing.assert_frame_equal(runs_a, runs_b)
    pd.testing.assert_frame_equal(ts_a, ts_b)


def folder_state(folder: Path) -> dict[str, bytes]:
    return {
        str(p.relative_to(folder)): p.read_bytes() for p in sorted(folder.rglob("*")) if p.is_file()
    }


# ----------------------------------------------------------------------------------- seeds
def test_run_seed_depends_only_on_root_point_and_replicate():
    plan = load_sweep(SWEEPS / "small.yaml")
    tasks = plan.tasks()
    for t in tasks:
        expected = np.random.SeedSequence([plan.spec.root_seed, t.point, t.replicate])
        assert t.seed == int(expected.generate_state(1)[0])
    by_pair: dict[tuple[int, int], set[int]] = {}
    for t in tasks:
        by_pair.setdefault((t.point, t.replicate), set()).add(t.seed)
    assert all(len(s) == 1 for s in by_pair.values())  # arms share seeds: common random numbers
    assert len({s.pop() for s in by_pair.values()}) == len(by_pair)  # distinct otherwise
    assert run_seed(7, 0, 1) != run_seed(8, 0, 1)
    assert len({t.key for t in tasks}) == len(tasks) == plan.n_runs == 8


# ----------------------------------------------------------------------------------- files
def test_shipped_sweeps_load_and_levers_arms_run_on_the_lever_scenarios():
    small = load_sweep(SWEEPS / "small.yaml")
    assert small.spec.engine == "vector" and small.base.run.months == 12
    plan = load_sweep(SWEEPS / "levers.yaml")
    assert (plan.spec.replicates, plan.spec.root_seed, plan.spec.keep_months) == (50, 20261125, 12)
    arms = ["no_policy", "financing", "burden", "plants", "combined", "placebo"]
    assert list(plan.arms) == arms
    assert plan.base.population.tailors == 10_000  # written at the shipped 1:20 scale...
    assert plan.spec.tailors == 200_000  # ...and run at 1:1
    common = _flatten(plan.spec.overrides)  # the full-scale recalibration, common to all arms
    assert common and all(k.startswith("behaviour.") for k in common)
    assert plan.arm_scenarios == {a: f"../{a}.yaml" for a in list(plan.arms)[1:]}
    for arm, overrides in plan.arms.items():
        assert overrides == {}  # every arm is its scenario file, no lines of its own
        shipped = with_overrides(load_scenario(SCENARIOS / f"{arm}.yaml"), common)
        assert plan.arm_base(arm) == shipped, arm
    run = next(t for t in plan.tasks() if t.arm == "combined").scenario()
    assert run.population.tailors == 200_000 and run.behaviour.agglomeration_unit == 20
    assert (
        run.levers.financing.budget
        == 20 * load_scenario(SCENARIOS / "combined.yaml").levers.financing.budget
    )


def test_common_overrides_and_tailors_shape_every_run(tmp_path):
    """`overrides` reach every arm before the arm's own; `tailors` scales each run last, so an
    arm's budget grows with the county and the outputs count the scaled population."""
    path = write_sweep(
        tmp_path,
        factors=None,
        design=None,
        replicates=1,
        months=3,
        tailors=600,
        overrides={"behaviour.return_migration": {"intercept": -1.0}},
        arms={"base": {}, "rich": {"levers.financing.budget": 1.0e6}},
    )
    plan = load_sweep(path)
    base = load_scenario(SCENARIOS / "baseline.yaml")
    k = 600 / base.population.tailors
    for task in plan.tasks():
        sc = task.scenario()
        assert sc.population.tailors == 600
        assert sc.behaviour.return_migration.intercept == -1.0
        assert sc.behaviour.agglomeration_unit == pytest.approx(k)
    rich = next(t for t in plan.tasks() if t.arm == "rich").scenario()
    assert rich.levers.financing.budget == pytest.approx(1.0e6 * k)
    _, ts = load_results(run_sweep(path, tmp_path / "out"))
    first = ts[ts["month"] == 0]
    assert ((first["tailors_away"] + first["tailors_home"]) == 600).all()


BAD = {
    "unknown factor key": (
        {"factors": [{"key": "population.tailorz", "values": [100]}]},
        "factors.0.key",
        "unknown key 'tailorz'",
    ),
    "empty range": (
        {
            "factors": [{"key": "population.tailors", "low": 500, "high": 500}],
            "design": {"kind": "lhs", "samples": 4},
        },
        "factors.0.high",
        "range is empty",
    ),
    "empty values": (
        {"factors": [{"key": "population.tailors", "values": []}], "design": {"kind": "grid"}},
        "factors.0.values",
        "is empty",
    ),
    "bad factor value": (
        {"factors": [{"key": "population.tailors", "values": [300, -5]}], "design": None},
        "factors.0.values.1",
        "greater than or equal to 0",
    ),
    "negative replicates": ({"replicates": -2}, "replicates", "greater than or equal to 1"),
    "zero replicates": ({"replicates": 0}, "replicates", "greater than or equal to 1"),
    "unknown arm reference": (
        {"arms": {"base": {}, "both": {"include": ["base", "financing"]}}},
        "arms.both.include",
        "unknown arm 'financing'; allowed: base",
    ),
    "bad arm override": (
        {"arms": {"base": {"levers.financing.budgt": 1}}},
        "arms.base",
        "unknown key 'budgt'",
    ),
    "unknown design": ({"design": {"kind": "factorial"}}, "design.kind", "'grid', 'list'"),
    "missing base": ({"base": "no_such_scenario.yaml"}, "base", "not found"),
    "unknown key": ({"replicate": 3}, "replicate", "allowed: name, description, base"),
    "sobol not a power of 2": (
        {
            "factors": [{"key": "population.tailors", "low": 200, "high": 400}],
            "design": {"kind": "sobol", "samples": 6},
        },
        "design.samples",
        "power of 2",
    ),
    "keep a month after the horizon": ({"keep_months": [0, 7]}, "keep_months", "horizon"),
    "seed in an arm": ({"arms": {"base": {"run.seed": 1}}}, "arms.base", "root_seed"),
    "bad common override": (
        {"overrides": {"behaviour.wages": {"hom": 1}}},
        "overrides",
        "unknown key 'hom'",
    ),
    "seed in the common overrides": ({"overrides": {"run.seed": 1}}, "overrides", "root_seed"),
    "zero tailors": ({"tailors": 0}, "tailors", "greater than or equal to 1"),
    "tailors and a tailors factor": ({"tailors": 500}, "tailors", "factors.0"),
    "missing arm scenario file": (
        {"arms": {"base": {}, "lever": {"scenario": "no_such_scenario.yaml"}}},
        "arms.lever.scenario",
        "scenario file not found",
    ),
    "arm scenario not a path": (
        {"arms": {"lever": {"scenario": 3}}},
        "arms.lever.scenario",
        "a scenario file, as a path relative to this sweep file",
    ),
    "unknown arm key": (
        {"arms": {"lever": {"scenaro": "financing.yaml"}}},
        "arms.lever.scenaro",
        "unknown key 'scenaro'; allowed: scenario (a scenario file",
    ),
    "include of arms on different scenario files": (
        {
            "arms": {
                "financing": {"scenario": str(SCENARIOS / "financing.yaml")},
                "burden": {"scenario": str(SCENARIOS / "burden.yaml")},
                "both": {"include": ["financing", "burden"]},
            }
        },
        "arms.both.include",
        "an arm runs on one scenario file",
    ),
}


@pytest.mark.parametrize("case", sorted(BAD))
def test_bad_sweep_file_is_one_line_exit_2_and_writes_nothing(case, tmp_path, capsys):
    changes, key, fragment = BAD[case]
    path = write_sweep(tmp_path, **changes)
    out = tmp_path / "out"
    with pytest.raises(SweepError):
        load_sweep(path)
    assert main(["sweep", str(path), "--out", str(out), "--quiet"]) == 2
    err = capsys.readouterr().err.strip()
    assert err.count("\n") == 0, err
    assert err.startswith(f"error: {path}: {key}: "), err
    assert fragment in err, err
    assert not out.exists()


def test_bad_sweep_file_via_the_command_line(tmp_path):
    path = write_sweep(tmp_path, replicates=-1)
    out = tmp_path / "out"
    proc = subprocess.run(
        [sys.executable, "-c", ENTRY, "sweep", str(path), "--out", str(out)],
        capture_output=True,
        text=True,
        cwd=ROOT,
        timeout=60,
    )
    assert proc.returncode == 2
    assert proc.stderr.strip().splitlines() == [
        f"error: {path}: replicates: Input should be greater than or equal to 1 (got -1)"
    ]
    assert proc.stdout == "" and not out.exists()


# ----------------------------------------------------------------------------------- designs
RANGES = [
    {"key": "population.tailors", "low": 200, "high": 400},  # an int in the schema
    {"key": "levers.financing.budget", "low": 1.0e5, "high": 1.0e7, "log": True},
    {"key": "behaviour.wages.saving_rate", "low": 0.2, "high": 0.5},
]


def _check_bounds(points: list[dict]) -> None:
    for f in RANGES:
        values = np.array([p[f["key"]] for p in points], dtype=float)
        assert (values >= f["low"]).all() and (values <= f["high"]).all(), f["key"]
    assert all(isinstance(p["population.tailors"], int) for p in points)


@pytest.mark.parametrize(
    ("design", "expected"),
    [
        ({"kind": "lhs", "samples": 10}, 10),
        ({"kind": "sobol", "samples": 8}, 8 * (2 * 3 + 2)),
        ({"kind": "sobol", "samples": 8, "second_order": False}, 8 * (3 + 2)),
        ({"kind": "morris", "samples": 5}, 5 * (3 + 1)),
    ],
)
def test_sampled_designs_count_bounds_and_determinism(design, expected, tmp_path):
    path = write_sweep(tmp_path, factors=RANGES, design=design)
    plan = load_sweep(path)
    assert len(plan.points) == expected
    assert plan.unit is not None and plan.unit.shape == (expected, 3)
    assert ((plan.unit >= 0) & (plan.unit <= 1)).all()
    _check_bounds(plan.points)
    assert load_sweep(path).points == plan.points  # fixed by root_seed
    other = load_sweep(
        write_sweep(tmp_path, "other.yaml", factors=RANGES, design=design, root_seed=12)
    )
    assert other.points != plan.points
    if design["kind"] == "lhs":  # one point in each of the n equal strata of every factor
        strata = np.floor(plan.unit * expected).astype(int)
        assert all(sorted(strata[:, j]) == list(range(expected)) for j in range(3))
    assert plan.n_runs == expected * 2 * 2


def test_grid_and_list_designs(tmp_path):
    factors = [
        {"key": "population.tailors", "values": [200, 300, 400]},
        {"key": "levers.financing.budget", "values": [1.0e6, "2.0e6"]},  # PyYAML: a string
    ]
    grid = load_sweep(write_sweep(tmp_path, factors=factors, design={"kind": "grid"}))
    assert len(grid.points) == 6
    assert grid.points[1] == {"population.tailors": 200, "levers.financing.budget": 2.0e6}
    with pytest.raises(SweepError, match="same number of values"):
        load_sweep(write_sweep(tmp_path, "l.yaml", factors=factors, design={"kind": "list"}))
    bare = load_sweep(write_sweep(tmp_path, "b.yaml", factors=None, design=None, arms=None))
    assert bare.points == [{}] and list(bare.arms) == ["base"]


# ----------------------------------------------------------------------------------- running
def test_sequential_pool_and_dask_give_identical_outputs(tmp_path):
    from dask.distributed import LocalCluster

    sweep = SWEEPS / "small.yaml"
    seq = run_sweep(sweep, tmp_path / "seq")
    pool = run_sweep(sweep, tmp_path / "pool", workers=2)
    with LocalCluster(
        n_workers=2,
        threads_per_worker=1,
        processes=True,
        host="127.0.0.1",
        protocol="tcp",
        dashboard_address=None,
    ) as cluster:
        address = cluster.scheduler_address
        assert address.startswith("tcp://127.0.0.1:")
        dask = run_sweep(sweep, tmp_path / "dask", scheduler=address)
    assert_same_outputs(seq, pool)
    assert_same_outputs(seq, dask)

    runs, ts = load_results(seq)
    plan = load_sweep(sweep)
    assert len(runs) == plan.n_runs and (runs["status"] == "ok").all()
    assert list(runs.columns[:7]) == [
        "run", "point", "arm", "replicate", "seed", "population.tailors", "population.local_workers"
    ]  # fmt: skip
    assert list(ts.columns[:8]) == [*runs.columns[:7], "month"]
    assert ts.groupby("run").size().eq(13).all()  # months 0..12, every run once
    assert set(ts["population.tailors"]) == {300, 600}
    paired = ts.groupby(["point", "replicate"])["seed"].nunique()
    assert (paired == 1).all()  # both arms of a (point, replicate) on one seed
    manifest = yaml.safe_load((seq / "manifest.yaml").read_text())
    assert manifest["runs"] == 8 and manifest["root_seed"] == 7 and manifest["engine"] == "vector"
    assert len(manifest["sweep_sha256"]) == 64 and manifest["packages"]["SALib"]
    assert manifest["sweep"]["arms"]["no_financing"] == {"levers.financing.enabled": False}
    pool_manifest = yaml.safe_load((pool / "manifest.yaml").read_text())
    dask_manifest = yaml.safe_load((dask / "manifest.yaml").read_text())
    assert "process pool" in pool_manifest["sessions"][0]["executor"]
    assert "dask" in dask_manifest["sessions"][0]["executor"]
    assert pd.read_parquet(seq / "runs.parquet").drop(columns=VOLATILE).equals(outputs(seq)[0])


def test_keep_months(tmp_path):
    # low take-off thresholds, a short hold and levers ending in month 4, so that the outcomes
    # fall in months the sweep does not keep
    overrides = {"takeoff.thresholds": [1.02, 1.1, 3.0], "takeoff.chain_hold_months": 2}
    overrides |= {"takeoff.sustain_months": 5}
    overrides |= {f"levers.{k}.end": 4 for k in ("financing", "burden", "plant_supply")}
    first = write_sweep(tmp_path, months=12, keep_months=5, replicates=1, overrides=overrides)
    out = run_sweep(first, tmp_path / "a")
    runs, ts = load_results(out)
    assert sorted(set(ts["month"])) == [0, 5, 10, 12]  # the horizon too
    # run-level outcomes come from the full series, before thinning: those of the run itself
    wants = []
    for task in load_sweep(first).tasks():
        want = run(task.scenario(), engine=task.engine, seed=task.seed).outcomes()
        got = runs.set_index("run").loc[task.key, list(want)].astype(float)
        assert got.tolist() == pytest.approx(list(want.values()), nan_ok=True)
        wants.append(want)
    # ...which fall between the kept months: take-off at 1.02x in month 6 on some runs,
    # a window of months 4..9 read on every run
    assert any(w["takeoff_1.02x_event"] and w["takeoff_1.02x_month"] % 5 for w in wants)
    assert all(w["sustain_to"] == 9 and w["self_sustaining"] in (0.0, 1.0) for w in wants)
    path = write_sweep(tmp_path, "b.yaml", keep_months=[6, 0, 3], replicates=1)
    out = run_sweep(path, tmp_path / "b")
    assert sorted(set(load_results(out)[1]["month"])) == [0, 3, 6]


def test_kill_and_resume_runs_every_run_exactly_once(tmp_path):
    sweep = write_sweep(tmp_path, replicates=6, months=24)  # 2 points x 2 arms x 6 = 24 runs
    total = 24
    out = tmp_path / "killed"
    proc = subprocess.Popen(
        [sys.executable, "-c", ENTRY, "sweep", str(sweep), "--out", str(out), "--quiet"],
        cwd=ROOT,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
        start_new_session=True,
    )
    deadline = time.monotonic() + 60
    try:
        while len(list((out / "runs").glob("*.parquet"))) < 3:
            assert proc.poll() is None, "the sweep ended before it could be killed"
            assert time.monotonic() < deadline
            time.sleep(0.01)
    finally:
        os.killpg(proc.pid, signal.SIGKILL)
        proc.wait()
    done = sorted(p.stem for p in (out / "runs").glob("*.parquet"))
    assert 3 <= len(done) < total
    # what a kill can leave: a torn temporary file, a run whose record was not yet written
    (out / "runs" / f".{done[0]}.parquet.x1y2.tmp").write_bytes(b"torn")
    (out / "records" / f"{done[0]}.json").unlink()
    before = {k: (out / "runs" / f"{k}.parquet").stat().st_mtime_ns for k in done}

    proc = subprocess.run(
        [sys.executable, "-c", ENTRY, "sweep", str(sweep), "--out", str(out), "--quiet"],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert proc.returncode == 0, proc.stderr
    assert f"{len(done)} were already done" in proc.stdout
    after = {k: (out / "runs" / f"{k}.parquet").stat().st_mtime_ns for k in done}
    assert after == before  # finished runs were not run again
    assert not list(out.rglob("*.tmp"))

    runs, ts = load_results(out)
    assert len(runs) == total and runs["run"].is_unique and (runs["status"] == "ok").all()
    assert ts.groupby("run").size().eq(25).all() and ts["run"].nunique() == total
    manifest = yaml.safe_load((out / "manifest.yaml").read_text())
    assert len(manifest["sessions"]) == 2
    assert_same_outputs(out, run_sweep(sweep, tmp_path / "whole"))


def test_changed_sweep_file_is_refused_unless_restart(tmp_path, capsys):
    sweep = write_sweep(tmp_path)
    out = run_sweep(sweep, tmp_path / "out")
    run_sweep(sweep, out)  # unchanged: resumes, nothing to do
    manifest = yaml.safe_load((out / "manifest.yaml").read_text())
    assert [s["pending"] for s in manifest["sessions"]] == [8, 0]
    state = folder_state(out)

    write_sweep(tmp_path, replicates=1)  # same path, new content
    with pytest.raises(SweepError, match="changed since the sweep"):
        run_sweep(sweep, out)
    assert main(["sweep", str(sweep), "--out", str(out), "--quiet"]) == 2
    err = capsys.readouterr().err.strip()
    assert err.count("\n") == 0 and "--restart" in err and err.startswith(f"error: {sweep}: ")
    assert folder_state(out) == state  # refused before writing anything

    assert main(["sweep", str(sweep), "--out", str(out), "--quiet", "--restart"]) == 0
    runs, _ = load_results(out)
    assert len(runs) == 4 and set(runs["replicate"]) == {0}
    assert len(list((out / "runs").glob("*.parquet"))) == 4
    assert len(list((out / "records").glob("*.json"))) == 4


def test_changed_base_scenario_is_refused_and_a_busy_folder_too(tmp_path):
    from sim.experiments.store import SweepStore

    base = tmp_path / "base.yaml"
    base.write_text((SCENARIOS / "baseline.yaml").read_text())
    sweep = write_sweep(tmp_path, base="base.yaml", replicates=1)
    out = run_sweep(sweep, tmp_path / "out")
    with SweepStore(out).lock(), pytest.raises(SweepError, match="another sweep process"):
        run_sweep(sweep, out)
    base.write_text(base.read_text().replace("villages: 100", "villages: 90"))
    with pytest.raises(SweepError, match="base scenario changed"):
        run_sweep(sweep, out)
    with pytest.raises(SweepError, match="holds no sweep manifest"):
        (tmp_path / "other").mkdir()
        (tmp_path / "other" / "notes.txt").write_text("mine")
        run_sweep(sweep, tmp_path / "other")
    assert (tmp_path / "other" / "notes.txt").read_text() == "mine"


def _lever_files(folder: Path) -> Path:
    """A scenario file of the sweep's arm `lever` that extends another, both in `folder`."""
    parent = folder / "parent.yaml"
    parent.write_text(f"extends: {SCENARIOS / 'baseline.yaml'}\nname: parent\n")
    lever = folder / "lever.yaml"
    lever.write_text(
        "extends: parent.yaml\nname: lever\n"
        "levers:\n  financing: {enabled: true, budget: 1.0e6}\n  burden: {enabled: false}\n"
    )
    return lever


def test_an_arm_naming_a_scenario_file_runs_that_files_values(tmp_path):
    """`scenario:` is the arm's base: months, overrides and tailors apply to it as to `base`, its
    own lines and an including arm's go on top, and it runs exactly as the same lines would."""
    _lever_files(tmp_path)
    common = {"behaviour.return_migration.intercept": -1.0}
    arms = {
        "base": {},
        "lever": {"scenario": "lever.yaml"},
        "more": {"include": ["lever"], "levers.financing.budget": 2.0e6},
    }
    shape = {"factors": None, "design": None, "months": 3, "tailors": 300, "overrides": common}
    plan = load_sweep(write_sweep(tmp_path, arms=arms, **shape))
    assert plan.arm_scenarios == {"lever": "lever.yaml", "more": "lever.yaml"}
    assert plan.arm_base("base") is plan.base and plan.arm_base("more") is plan.arm_base("lever")
    expected = with_overrides(load_scenario(tmp_path / "lever.yaml"), {"run.months": 3, **common})
    assert plan.arm_base("lever") == expected
    assert plan.resolved()["arms"]["more"] == {
        "scenario": "lever.yaml",
        "levers.financing.budget": 2.0e6,
    }
    k = 300 / plan.base.population.tailors
    by_arm = {t.arm: t.scenario() for t in plan.tasks()}
    assert by_arm["lever"].levers.financing.budget == pytest.approx(1.0e6 * k)
    assert by_arm["more"].levers.financing.budget == pytest.approx(2.0e6 * k)
    assert not by_arm["lever"].levers.burden.enabled and by_arm["base"].levers.burden.enabled
    assert all(sc.behaviour.return_migration.intercept == -1.0 for sc in by_arm.values())

    # the same arms written as lines on base: the same runs (the scenario's name aside)
    lines = {"levers.financing": {"enabled": True, "budget": 1.0e6}, "levers.burden.enabled": False}
    inline = load_sweep(
        write_sweep(
            tmp_path,
            "inline.yaml",
            arms={
                "base": {},
                "lever": lines,
                "more": {"include": ["lever"], "levers.financing.budget": 2.0e6},
            },
            **shape,
        )
    )
    for a, b in zip(plan.tasks(), inline.tasks(), strict=True):
        assert (a.key, a.seed) == (b.key, b.seed)
        assert a.scenario().model_dump(exclude={"name"}) == b.scenario().model_dump(
            exclude={"name"}
        )


def test_changed_arm_scenario_file_is_refused_unless_restart(tmp_path, capsys):
    lever = _lever_files(tmp_path)
    arms = {"base": {}, "lever": {"scenario": "lever.yaml"}}
    sweep = write_sweep(
        tmp_path, arms=arms, factors=None, design=None, replicates=1, months=2, tailors=300
    )
    out = run_sweep(sweep, tmp_path / "out")
    manifest = yaml.safe_load((out / "manifest.yaml").read_text())
    assert manifest["arm_files"] == {"lever": str(lever.resolve())}
    assert list(manifest["arm_sha256"]) == ["lever"] and len(manifest["arm_sha256"]["lever"]) == 64
    copy_ = load_scenario(out / "arm_scenarios" / "lever.yaml")
    assert copy_ == load_sweep(sweep).arm_base("lever")  # the arm's resolved scenario, kept
    run_sweep(sweep, out)  # unchanged: resumes, nothing to do
    state = folder_state(out)

    for edited in (lever, tmp_path / "parent.yaml"):  # the file, or one it extends
        original = edited.read_text()
        edited.write_text(original + "population: {villages: 90}\n")
        with pytest.raises(SweepError, match="the scenario of arm 'lever' changed"):
            run_sweep(sweep, out)
        assert main(["sweep", str(sweep), "--out", str(out), "--quiet"]) == 2
        err = capsys.readouterr().err.strip()
        assert err.count("\n") == 0 and "--restart" in err, err
        assert err.startswith(f"error: {lever.resolve()}: "), err
        assert folder_state(out) == state  # refused before writing anything
        edited.write_text(original)
    run_sweep(sweep, out)  # back as it was: resumes

    lever.write_text(lever.read_text().replace("1.0e6", "2.0e6"))
    assert main(["sweep", str(sweep), "--out", str(out), "--quiet", "--restart"]) == 0
    assert load_scenario(out / "arm_scenarios" / "lever.yaml").levers.financing.budget == 2.0e6


def test_a_failing_run_is_recorded_and_the_others_complete(tmp_path, capsys):
    # a legal scenario that fails at run time: 10^15 tailors cannot be allocated
    arms = {
        "small": {"population.tailors": 300, "population.local_workers": 60},
        "huge": {"population.tailors": 10**15},
    }
    sweep = write_sweep(tmp_path, arms=arms, factors=None, design=None, replicates=3)
    out = tmp_path / "out"
    assert main(["sweep", str(sweep), "--out", str(out), "--quiet"]) == 1
    assert "3 runs failed" in capsys.readouterr().err
    runs, ts = load_results(out)
    assert len(runs) == 6
    bad = runs[runs["arm"] == "huge"]
    assert (bad["status"] == "error").all()
    assert bad["error"].str.startswith("MemoryError").all()
    assert (runs.loc[runs["arm"] == "small", "status"] == "ok").all()
    assert set(ts["arm"]) == {"small"} and ts["run"].nunique() == 3
    record = yaml.safe_load((out / "records" / f"{bad['run'].iloc[0]}.json").read_text())
    assert "Traceback" in record["traceback"]


def test_a_dead_local_worker_is_retried_then_recorded():
    """A process pool breaks when a worker dies; the runs in flight go back to the queue, and a
    run that keeps killing its worker is recorded as an error after POOL_RETRIES tries."""
    from collections import Counter, deque

    plan = load_sweep(SWEEPS / "small.yaml")
    tasks = plan.tasks()[:3]
    killer = tasks[1].key

    class Breaking(SequentialExecutor):
        slots = 3

        def submit(self, fn, /, *args, **kwargs):
            if args[0].key == killer:
                future: Future = Future()
                future.set_exception(BrokenProcessPool("a child process terminated abruptly"))
                return future
            return super().submit(fn, *args, **kwargs)

    queue, attempts, seen = deque(tasks), Counter(), {}
    while _pump(Breaking(), queue, attempts, lambda t, out: seen.setdefault(t.key, out)):
        pass
    assert attempts[killer] == POOL_RETRIES + 1
    assert seen[killer]["status"] == "error" and "BrokenProcessPool" in seen[killer]["error"]
    assert all(seen[t.key]["status"] == "ok" for t in tasks if t.key != killer)
    assert len(seen) == 3


def test_a_dask_worker_that_dies_has_its_task_retried_elsewhere(tmp_path):
    """On Dask, a run whose worker process dies (os._exit, as an OOM kill would) is rescheduled
    by the scheduler on a live worker and completes; the sweep sees only the result."""
    from sim.experiments.executors import open_executor

    marker = tmp_path / "died"

    def die_once(path: str) -> int:  # local, so cloudpickle ships it by value to the workers
        import os as _os
        from pathlib import Path as _Path

        p = _Path(path)
        if not p.exists():
            p.write_text(str(_os.getpid()))
            _os._exit(1)
        return _os.getpid()

    with open_executor(2, "local") as executor:
        pid = executor.submit(die_once, str(marker)).result(timeout=120)
    assert marker.exists()
    assert pid != int(marker.read_text())  # not the process that died
