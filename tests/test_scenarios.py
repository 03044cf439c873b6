"""Scenario loading: inheritance, overrides, and one-line errors for every kind of bad input,
through the API and through the CLI (exit status 2, no traceback, nothing written)."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

import sim
from sim.io.errors import ScenarioError
from tests.conftest import SCENARIOS

ALL = [
    "baseline",
    "no_policy",
    "financing",
    "burden",
    "plants",
    "combined",
    "benchmarks/arthur_urn",
    "benchmarks/dartboard",
]


@pytest.mark.parametrize("name", ALL)
def test_shipped_scenarios_validate(name):
    sc = sim.load_scenario(SCENARIOS / f"{name}.yaml")
    assert sc.run.months >= 1


def test_lever_scenarios_extend_the_baseline():
    base = sim.load_scenario(SCENARIOS / "baseline.yaml")
    fin = sim.load_scenario(SCENARIOS / "financing.yaml")
    none = sim.load_scenario(SCENARIOS / "no_policy.yaml")
    assert fin.space == base.space and fin.population == base.population
    assert fin.levers.financing.enabled and not fin.levers.burden.enabled
    assert not any(getattr(none.levers, n).enabled for n in none.lever_names())


def test_overrides_reach_nested_keys_and_list_items():
    sc = sim.load_scenario(
        SCENARIOS / "baseline.yaml", {"levers.burden.rent_relief": 0.25, "space.zones.1.rent": 14}
    )
    assert sc.levers.burden.rent_relief == 0.25
    assert sc.space.zones[1].rent == 14.0


def test_exponent_numbers_are_numbers_in_files_and_overrides(tmp_path):
    """`1e7` and `2.0e6` (no dot or no exponent sign) are floats, as in YAML 1.2, not the strings
    PyYAML's YAML 1.1 rules would make of them."""
    from sim.io.loading import load_yaml, parse_override

    assert load_yaml("[1e7, 2.0e6, -1E-3, .5e2, 3, 1.5, 1e, e7]") == [
        1e7,
        2e6,
        -1e-3,
        50.0,
        3,
        1.5,
        "1e",
        "e7",
    ]
    assert parse_override("levers.financing.budget=5e6") == ("levers.financing.budget", 5e6)
    path = tmp_path / "s.yaml"
    path.write_text(
        f"extends: {SCENARIOS / 'baseline.yaml'}\nlevers: {{financing: {{budget: 3e6}}}}\n"
    )
    assert sim.load_scenario(path).levers.financing.budget == 3e6


def _write(tmp_path: Path, name: str, text: str) -> Path:
    p = tmp_path / name
    p.write_text(text)
    return p


BASE = f"extends: {SCENARIOS / 'baseline.yaml'}\n"
BAD = {
    "unknown_key": (
        BASE + "behaviour: {return_migration: {peer_efect: 1}}\n",
        "behaviour.return_migration.peer_efect",
        "unknown key",
    ),
    "wrong_type": (BASE + "population: {tailors: many}\n", "population.tailors", "integer"),
    "negative_count": (
        BASE + "population: {tailors: -5}\n",
        "population.tailors",
        "greater than or equal to 0",
    ),
    "probability": (
        BASE + "behaviour: {return_migration: {max_hazard: 1.5}}\n",
        "behaviour.return_migration.max_hazard",
        "less than or equal to 1",
    ),
    "io_column": (BASE + "chain: {io: {fabric: {garment: 0.95}}}\n", "chain.io", "less than 1"),
    "lever_window": (
        BASE + "levers: {burden: {start: 50, end: 10}}\n",
        "levers.burden",
        "must not be before start",
    ),
    "unknown_zone": (
        BASE + "levers: {plant_supply: {zones: [moon]}}\n",
        "levers.plant_supply.zones",
        "unknown zone",
    ),
    "malformed": ("name: x\nspace: {width: [1, 2\n", "", "malformed YAML"),
}


@pytest.mark.parametrize("case", sorted(BAD))
def test_bad_input_gives_one_line_error(tmp_path, case):
    text, key, fragment = BAD[case]
    path = _write(tmp_path, f"{case}.yaml", text)
    with pytest.raises(ScenarioError) as info:
        sim.load_scenario(path)
    msg = info.value.one_line()
    assert "\n" not in msg
    assert str(path) in msg
    assert key in msg and fragment in msg


def test_extends_cycle(tmp_path):
    _write(tmp_path, "a.yaml", "extends: b.yaml\n")
    b = _write(tmp_path, "b.yaml", "extends: a.yaml\n")
    with pytest.raises(
        ScenarioError, match=r"extends cycle: .*a.yaml -> b.yaml -> a.yaml|extends cycle"
    ):
        sim.load_scenario(b)


def test_missing_file(tmp_path):
    with pytest.raises(ScenarioError, match="file not found"):
        sim.load_scenario(tmp_path / "nope.yaml")
    p = _write(tmp_path, "child.yaml", "extends: missing_parent.yaml\n")
    with pytest.raises(ScenarioError, match=r"child.yaml: extends: file not found"):
        sim.load_scenario(p)


def test_bad_override_is_caught_like_the_file():
    with pytest.raises(ScenarioError, match=r"levers.financing.budget.*greater than or equal to 0"):
        sim.load_scenario(SCENARIOS / "baseline.yaml", {"levers.financing.budget": -1})
    with pytest.raises(ScenarioError, match="unknown key 'nonsense'"):
        sim.load_scenario(SCENARIOS / "baseline.yaml", {"behaviour.nonsense": 1})


def _cli(*args: str, cwd: Path) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "-m", "sim", *args], capture_output=True, text=True, cwd=cwd, timeout=120
    )


CLI_CASES = [*sorted(BAD), "cycle", "missing", "bad_set"]


@pytest.mark.parametrize("case", CLI_CASES)
def test_cli_bad_input_exit_2_no_traceback_nothing_written(tmp_path, case):
    out = tmp_path / "out"
    extra: list[str] = []
    if case in BAD:
        path = _write(tmp_path, f"{case}.yaml", BAD[case][0])
    elif case == "cycle":
        _write(tmp_path, "a.yaml", "extends: b.yaml\n")
        path = _write(tmp_path, "b.yaml", "extends: a.yaml\n")
    elif case == "missing":
        path = tmp_path / "missing.yaml"
    else:
        path = SCENARIOS / "baseline.yaml"
        extra = ["--set", "behaviour.exit.hazard_by_year=[2.0]"]
    for command in (
        ["run", str(path), "--out", str(out), "--steps", "1", *extra],
        ["validate", str(path), *extra],
    ):
        proc = _cli(*command, cwd=tmp_path)
        assert proc.returncode == 2, proc.stderr
        assert "Traceback" not in proc.stderr
        lines = proc.stderr.strip().splitlines()
        assert len(lines) == 1 and lines[0].startswith("error: ") and str(path.name) in lines[0]
        assert not out.exists()


def test_cli_validate_prints_resolved_scenario(tmp_path):
    proc = _cli("validate", str(SCENARIOS / "financing.yaml"), cwd=tmp_path)
    assert proc.returncode == 0
    assert "name: financing" in proc.stdout and "rate_subsidy:" in proc.stdout


def test_cli_run_writes_outputs(tmp_path):
    out = tmp_path / "run"
    proc = _cli(
        "run",
        str(SCENARIOS / "baseline.yaml"),
        "--steps",
        "3",
        "--seed",
        "7",
        "--set",
        "population.tailors=500",
        "--out",
        str(out),
        "--quiet",
        cwd=tmp_path,
    )
    assert proc.returncode == 0, proc.stderr
    assert "firms" in proc.stdout and str(out) in proc.stdout
    for name in ("timeseries.parquet", "firms.parquet", "scenario.yaml", "manifest.yaml"):
        assert (out / name).is_file()
    loaded = sim.load_scenario(out / "scenario.yaml")
    assert loaded.population.tailors == 500 and loaded.run.seed == 7
    assert not list(out.glob(".*.tmp"))
