"""Codes that the engines, the measures and the figures share, defined once.

A tailor's status and a firm's origin are small integers in both engines (int8 arrays in the
vector engine, attributes of Mesa agents); the names below give their meaning, in code order.
The phases of a month are data, so that both engines run the same plan and a profile of a run is
one table; the firm table's columns are those of `RunResult.firms` for both engines.
"""

from __future__ import annotations

# ------------------------------------------------------------------ tailors
STATUSES = ("away", "employed_home", "entrepreneur", "unemployed_home")
AWAY, EMPLOYED_HOME, ENTREPRENEUR, UNEMPLOYED_HOME = range(4)

# ------------------------------------------------------------------ firms
ORIGINS = ("incumbent", "returnee", "outside")
INCUMBENT, RETURNEE, OUTSIDE = range(3)

FIRM_COLUMNS = [
    "firm_id",
    "stage",
    "zone",
    "x",
    "y",
    "origin",
    "anchor",
    "born",
    "died",
    "alive",
    "workers",
    "tailor_workers",
    "local_workers",
    "capital",
    "debt",
    "guaranteed_debt",
    "productivity",
    "age_months",
    "in_plant",
    "output",
    "profit",
]

# ------------------------------------------------------------------ the month
PHASES = (
    "levers",
    "migration",
    "founding",
    "investment",
    "labour",
    "production",
    "accounts",
    "exit",
    "measures",
)
