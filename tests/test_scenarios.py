"""Scenario loading: inheritance, overrides, and one-line errors for every kind of bad input,
through the API and through the CLI (exit status 2, no traceback, nothing written). The CLI is
called in-process (`sim.cli.main`, the function `python -m sim` exits with); one test runs
`python -m sim` in a subprocess, for the exit status and stderr a user sees."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

import sim
from sim.cli import main
from sim.io.errors import ScenarioError
from sim.io.loading import parse_override
from tests.conftest import SCENARIOS

ALL = [
    "baseline",
    "no_policy",
    "financing",
    "burden",
    "plants",
    "combined",
    "placebo",
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
# case -> (file text, what the message names right after the file: the key path, or for a file
# that is not YAML the place it breaks; what is wrong and what is allowed)
BAD = {
    "unknown_key": (
        BASE + "behaviour: {return_migration: {peer_efect: 1}}\n",
        "behaviour.return_migration.peer_efect: ",
        "unknown key 'peer_efect'; allowed: attachment_sd, income_gap",
    ),
    "wrong_type": (BASE + "population: {tailors: many}\n", "population.tailors: ", "integer"),
    "negative_count": (
        BASE + "population: {tailors: -5}\n",
        "population.tailors: ",
        "greater than or equal to 0 (got -5)",
    ),
    "probability": (
        BASE + "behaviour: {return_migration: {max_hazard: 1.5}}\n",
        "behaviour.return_migration.max_hazard: ",
        "less than or equal to 1 (got 1.5)",
    ),
    "io_column": (BASE + "chain: {io: {fabric: {garment: 0.95}}}\n", "chain.io: ", "less than 1"),
    "lever_window": (
        BASE + "levers: {burden: {start: 50, end: 10}}\n",
        "levers.burden: ",
        "must not be before start",
    ),
    "takeoff_thresholds": (
        BASE + "takeoff: {thresholds: [2.0, 4.0]}\n",
        "takeoff.thresholds: ",
        "must include employment_multiple (3)",
    ),
    "unknown_zone": (
        BASE + "levers: {plant_supply: {zones: [moon]}}\n",
        "levers.plant_supply.zones: ",
        "unknown zone 'moon'; allowed: ['hq', 'core'",
    ),
    "malformed": (
        "name: x\nspace: {width: [1, 2\n",
        "malformed YAML at line 3, column 1: ",
        "expected ',' or ']'",
    ),
}


@pytest.mark.parametrize("case", sorted(BAD))
def test_bad_input_gives_one_line_error(tmp_path, case):
    text, where, fragment = BAD[case]
    path = _write(tmp_path, f"{case}.yaml", text)
    with pytest.raises(ScenarioError) as info:
        sim.load_scenario(path)
    msg = info.value.one_line()
    assert "\n" not in msg
    assert msg.startswith(f"{path}: {where}"), msg  # the file, then the key (or the place)
    assert fragment in msg, msg


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


def _files(folder: Path) -> set[Path]:
    return set(folder.rglob("*"))


def _main(argv: list[str], capsys) -> tuple[int, str, str]:
    """`python -m sim ARGV` in this process: its exit status, stdout and stderr. An exception
    that the CLI lets through (what a user would see as a traceback) fails the test here."""
    capsys.readouterr()
    status = main(argv)
    out = capsys.readouterr()
    return status, out.out, out.err


def _bad_case(tmp_path: Path, case: str) -> tuple[Path, list[str]]:
    """The scenario file of a bad-input case (and its --set arguments)."""
    if case in BAD:
        return _write(tmp_path, f"{case}.yaml", BAD[case][0]), []
    if case == "cycle":
        _write(tmp_path, "a.yaml", "extends: b.yaml\n")
        return _write(tmp_path, "b.yaml", "extends: a.yaml\n"), []
    if case == "missing":
        return tmp_path / "missing.yaml", []
    return SCENARIOS / "baseline.yaml", ["--set", "behaviour.exit.hazard_by_year=[2.0]"]


CLI_CASES = [*sorted(BAD), "cycle", "missing", "bad_set"]


@pytest.mark.parametrize("case", CLI_CASES)
@pytest.mark.parametrize("command", ["run", "validate"])
def test_cli_bad_input_exit_2_no_traceback_nothing_written(
    tmp_path, monkeypatch, capsys, case, command
):
    """`run` and `validate` on bad input: status 2, one line on stderr, the API's message naming
    the file (and the key), nothing on stdout, no file written anywhere."""
    path, extra = _bad_case(tmp_path, case)
    monkeypatch.chdir(tmp_path)  # a stray relative write (results/...) would land here
    out = tmp_path / "out"
    argv = [command, str(path), *extra]
    if command == "run":
        argv += ["--out", str(out), "--steps", "1"]
    before = _files(tmp_path)
    status, stdout, stderr = _main(argv, capsys)
    assert status == 2, stderr
    lines = stderr.splitlines()
    assert len(lines) == 1 and lines[0].startswith("error: ") and path.name in lines[0], stderr
    with pytest.raises(ScenarioError) as info:  # the API's message, word for word
        sim.load_scenario(path, dict(parse_override(x) for x in extra[1::2]))
    assert lines[0] == f"error: {info.value.one_line()}"
    assert stdout == ""
    assert _files(tmp_path) == before and not out.exists()


def test_python_m_sim_bad_input_exit_2_one_line_no_traceback(tmp_path):
    """The one subprocess: `python -m sim run BAD.yaml` as a user runs it. The exit status is
    main's 2 (sim/__main__.py), stderr is the one error line and no traceback, nothing written."""
    path = _write(tmp_path, "unknown_key.yaml", BAD["unknown_key"][0])
    out = tmp_path / "out"
    proc = subprocess.run(
        [sys.executable, "-m", "sim", "run", str(path), "--out", str(out), "--steps", "1"],
        capture_output=True,
        text=True,
        cwd=tmp_path,
        timeout=120,
    )
    assert proc.returncode == 2, proc.stderr
    assert "Traceback" not in proc.stderr
    with pytest.raises(ScenarioError) as info:
        sim.load_scenario(path)
    assert proc.stderr.splitlines() == [f"error: {info.value.one_line()}"]
    assert proc.stdout == "" and not out.exists()


def test_cli_validate_prints_resolved_scenario(capsys):
    status, stdout, stderr = _main(["validate", str(SCENARIOS / "financing.yaml")], capsys)
    assert status == 0, stderr
    assert "name: financing" in stdout and "rate_subsidy:" in stdout


def test_cli_run_writes_outputs(tmp_path, monkeypatch, capsys):
    monkeypatch.chdir(tmp_path)
    out = tmp_path / "run"
    argv = ["run", str(SCENARIOS / "baseline.yaml"), "--steps", "3", "--seed", "7"]
    argv += ["--set", "population.tailors=500", "--out", str(out), "--quiet"]
    status, stdout, stderr = _main(argv, capsys)
    assert status == 0, stderr
    assert "firms" in stdout and str(out) in stdout
    for name in ("timeseries.parquet", "firms.parquet", "scenario.yaml", "manifest.yaml"):
        assert (out / name).is_file()
    assert _files(tmp_path) == {out, *_files(out)}  # nothing outside --out
    loaded = sim.load_scenario(out / "scenario.yaml")
    assert loaded.population.tailors == 500 and loaded.run.seed == 7
    assert not list(out.glob(".*.tmp"))
