"""The lever comparison recovers a known paired effect, with an interval that covers it."""

from __future__ import annotations

import numpy as np
import pandas as pd

from sim.cli.compare import write_comparison
from sim.experiments.compare import OUTCOMES, arm_summary, paired_effects


def synthetic(effect: float, seeds: int = 40, rng_seed: int = 0) -> pd.DataFrame:
    """Runs of two arms on common seeds: the lever adds `effect` to employment, plus noise
    smaller than the seed-to-seed spread (which pairing removes)."""
    g = np.random.default_rng(rng_seed)
    rows = []
    for seed in range(seeds):
        level = g.normal(1000, 300)  # what the seed does to every arm
        for arm, add in (("no_policy", 0.0), ("lever", effect)):
            row = {c: g.normal(0.5, 0.01) for c in OUTCOMES}
            row.update(
                arm=arm,
                seed=seed,
                month=120,
                employment=level + add + g.normal(0, 20),
                taken_off=int(add > 0),
                cost_total=1e6 * (add > 0),
                jobs_per_million_yuan=np.nan,
            )
            rows.append(row)
    return pd.DataFrame(rows)


def test_paired_effect_is_recovered_within_its_interval():
    ts = synthetic(effect=50.0)
    eff = paired_effects(ts, "no_policy")
    row = eff[(eff["arm"] == "lever") & (eff["outcome"] == "employment")].iloc[0]
    assert row["lo"] <= 50.0 <= row["hi"]
    assert row["hi"] - row["lo"] < 30  # pairing removes the seed spread (sd 300)
    assert row["n"] == 40
    null = eff[(eff["arm"] == "lever") & (eff["outcome"] == "firms")].iloc[0]
    assert null["lo"] <= 0.0 <= null["hi"]  # no effect where none was put


def test_summary_and_files(tmp_path):
    ts = synthetic(effect=50.0)
    summary = arm_summary(ts, "no_policy")
    lever = summary.set_index("arm").loc["lever"]
    assert lever["p_takeoff"] == 1.0 and lever["cost_million_yuan"] == 1.0
    assert lever["d_employment"].startswith("+")
    assert 45 < lever["jobs_per_million_yuan"] < 55  # the paired effect (50 jobs) per 1 million
    write_comparison(ts, tmp_path, "no_policy", "test")
    files = (
        "levers.md",
        "levers.csv",
        "effects.csv",
        "trajectories.png",
        "effects.png",
        "cost_effect.png",
    )
    for name in files:
        assert (tmp_path / name).stat().st_size > 0
