"""Both engines give, bit for bit, the outputs recorded in tests/reference/ (see its script).

A refactoring or a speed-up changes no result: every timeseries value and every firm of
baseline, no_policy and each lever scenario must come out exactly as recorded, on the Mesa and the
vector engine, and at Qianjiang's 1:1 with the lever sweep's settings. A change meant to change
results regenerates the files with `tests/reference/make_reference.py` and says why.
"""

from __future__ import annotations

import pandas as pd
import pytest

from tests.reference import make_reference as ref

CASES = ref.cases()


@pytest.mark.parametrize(
    ("case", "scenario", "engine", "months", "options"), CASES, ids=[c[0] for c in CASES]
)
def test_run_is_bit_identical_to_the_reference(case, scenario, engine, months, options):
    result = ref.run_case(scenario, engine, months, options)
    for part, frame in (("timeseries", result.timeseries), ("firms", result.firms)):
        expected = pd.read_parquet(ref.HERE / f"{case}.{part}.parquet")
        pd.testing.assert_frame_equal(
            ref.as_stored(frame), expected, check_exact=True, obj=f"{case} {part}"
        )


def test_every_case_has_its_files():
    names = {p.name for p in ref.HERE.glob("*.parquet")}
    expected = {f"{c[0]}.{part}.parquet" for c in CASES for part in ("timeseries", "firms")}
    assert names == expected
