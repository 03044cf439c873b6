"""The rules of `sim.core.rules`, compiled by numba for the vector engine: the same source, not a
copy.

Each rule here is the function of `sim.core.rules` itself (its code object), compiled in a namespace
where the rules it calls are compiled too; the Mesa engine keeps calling the plain functions. So
the model still has one definition per submodel, and the ODD's pointers stay true for both
engines. What changes is the per-call cost: at the county's real size most arrays hold a few
hundred firms, and a NumPy rule of ten operations costs ten interpreter round trips, a compiled
one a single call with its loops fused.

Scenario sections (pydantic models) become one-element structured arrays (`record`), whose
element numba reads with the same attribute access the rules use on the pydantic section.
Results agree with the NumPy rules to within a few units in the last place (compiled exp, log
and pow may round differently); tests/test_compiled_rules.py checks every rule here against its
NumPy original.

The state transitions (`hiring_target`, `settle_firm`, ...) take one agent's scalars: the kernels
call them per agent inside their loops, where numba compiles them for scalars.
"""

from __future__ import annotations

import types
from typing import Any

import numpy as np
from pydantic import BaseModel

from sim.core import rules
from sim.engines.vector.jit import jit

COMPILED = (
    "logistic",
    "return_probability",
    "leave_probability",
    "plant_slots",
    "startup_cost",
    "founder_credit",
    "founding_probability",
    "investor_acceptance",
    "expected_owner_income",
    "zone_weights",
    "choose",
    "externality",
    "firm_output",
    "entry_productivity",
    "exit_hazard",
    "firm_support",
    "firm_accounts",
    "hiring_target",
    "credit_room",
    "machine_debt",
    "guaranteed_debt",
    "shocked_productivity",
    "forced_exit",
    "can_finance",
    "founder_equity",
    "entrant_capital",
    "settle_firm",
    "cell_mass",
    "cell_weights",
)

_namespace: dict[str, Any] = dict(vars(rules))
for _name in COMPILED:
    _f = getattr(rules, _name)
    _clone = types.FunctionType(_f.__code__, _namespace, _name, _f.__defaults__)
    _clone.__module__, _clone.__qualname__, _clone.__doc__ = rules.__name__, _name, _f.__doc__
    _namespace[_name] = jit()(_clone)
    globals()[_name] = _namespace[_name]


def _is_number_list(v: object) -> bool:
    return isinstance(v, list | tuple) and all(
        isinstance(x, int | float) and not isinstance(x, bool) for x in v
    )


def _fields(section: BaseModel) -> list[tuple[str, Any, Any]]:
    """(name, dtype, value) of the fields a compiled rule can read: numbers (ints as int64,
    floats as float64, flags as bool), lists of numbers (int64 subarrays if all are ints, else
    float64) and nested sections (nested records)."""
    out: list[tuple[str, Any, Any]] = []
    for key, info in type(section).model_fields.items():
        v = getattr(section, key)
        if isinstance(v, BaseModel):
            sub = _fields(v)
            out.append((key, np.dtype([(k, d) for k, d, _ in sub]), tuple(x for *_, x in sub)))
        elif isinstance(v, bool):
            out.append((key, np.bool_, v))
        elif isinstance(v, int) and info.annotation is not float:
            out.append((key, np.int64, v))
        elif isinstance(v, int | float):
            out.append((key, np.float64, float(v)))
        elif _is_number_list(v):  # ints stay ints (an index), anything else is float64
            whole = all(isinstance(x, int) for x in v)
            kind = np.int64 if whole else np.float64
            out.append((key, (kind, (len(v),)), tuple(kind(x) for x in v)))
    return out


def record(section: BaseModel, only: tuple[str, ...] | None = None) -> np.ndarray:
    """A scenario section as a one-element structured array (nested sections become nested
    records). A kernel takes the array (numba types it from its dtype, in well under a
    microsecond, where a named tuple of the same fields costs tens) and hands `array[0]` to the
    rules, which read it with the attribute access they use on the pydantic section. Fields no
    compiled rule can read (strings, dicts), and with `only` the fields not named, are left
    out, so that a rule reading one fails to compile instead of running with a wrong value."""
    fields = _fields(section)
    if only is not None:  # e.g. the levers that pay firms, whatever other levers a scenario has
        fields = [f for f in fields if f[0] in only]
    out = np.zeros(1, dtype=np.dtype([(k, d) for k, d, _ in fields]))
    out[0] = tuple(v for *_, v in fields)
    return out
