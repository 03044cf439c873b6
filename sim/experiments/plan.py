"""Sweep files and their plans: the schema, arms, designs, seeds and validation (nothing runs here).

A sweep file (see scenarios/sweeps/*.yaml):

```yaml
name: levers                  # names the default output folder, results/NAME
base: ../no_policy.yaml       # a scenario file, relative to this file
engine: vector                # mesa | vector
root_seed: 20261125           # every run's seed derives from it (below)
replicates: 20                # seeds per (point, arm)
months: 120                   # optional: overrides run.months of the base
overrides:                    # optional: dotted overrides of the base, common to every arm
  behaviour.return_migration.intercept: -1.5
tailors: 200000               # optional: scale every run to this size (sim.core.scaling), last
keep_months: 12               # optional: store every 12th month (and the last); or [0, 60, 120]
kdensity_draws: 200           # optional: each stage's K-density test at the horizon (0: none)
arms:                         # optional: name -> dotted overrides (default: one arm "base")
  no_policy: {}
  financing: {scenario: ../financing.yaml}       # runs on this scenario file instead of base
  rich: {levers.financing: {enabled: true, budget: 1.0e8}}
  both: {include: [rich], levers.burden.enabled: true}   # include: other arms' overrides first
factors:                      # optional: what varies between design points
  - {key: behaviour.externalities.radius, values: [1, 2, 3]}       # an explicit list
  - {key: levers.financing.budget, low: 1.0e6, high: 1.0e8, log: true}  # a range
design: {kind: grid}          # grid | list | lhs | sobol | morris (the last three: samples: N)
```

Arm overrides are dotted keys as for `--set`; a nested mapping is merged key by key into the base,
like `extends:` does (`levers.financing: {budget: 1e7}` leaves the other financing keys alone).
`include: [arm, ...]` applies other arms' overrides first. `scenario: FILE` (relative to this file,
like `base`) runs the arm on that scenario file instead of `base`: an arm that is a shipped
scenario names it rather than repeating its lines. `months`, `overrides` and `tailors` apply to it
as to `base`, and the arm's own override lines (if any) go on top. An arm inherits the scenario
file of the arms it includes; the files an arm gathers (its own and its includes') must be one and
the same, so `include` may combine arms on one file or on `base` but not arms on different files
(name a scenario file that combines them instead, as levers.yaml's `combined` does). Its resolved
scenario is hashed like the base's, so a resume refuses it when it changed. A key is either an arm
override or a factor, never both, and `run.seed` is neither: seeds come from `root_seed`.
`tailors` scales each run after its arm's overrides and factor values
(sim.core.scaling.scale_overrides), so every size-like value in the file (budgets, plant pace) is
written at the base scenario's scale and grows with it.

Designs. `grid`: the full factorial of the factors' `values` (the last factor varies fastest).
`list`: point i takes the i-th value of every factor (equal lengths). `lhs`: `samples` points of a
Latin hypercube (scipy.stats.qmc.LatinHypercube). `sobol`: Saltelli's scheme
(SALib.sample.sobol.sample) with `samples` base samples, a power of 2, giving samples*(2D+2)
points (samples*(D+2) with `second_order: false`). `morris`: `samples` trajectories
(SALib.sample.morris.sample, `levels: 4`), giving samples*(D+1) points. The sampled designs draw in
the unit cube from a stream of `root_seed` kept apart from the runs' seeds, then map each factor
onto [low, high]: linearly, or log-uniformly with `log: true`; a factor whose base value is an
integer (or with `integer: true`) takes integer values, each equally likely. Points are kept in
the sampler's order, so `SALib.analyze` can read per-point outputs directly (`salib_problem`).

Runs and seeds. A run is (point, arm, replicate); its key is `p00003-financing-r0012` and its seed
is `SeedSequence([root_seed, point, replicate]).generate_state(1)[0]`: every arm of a point and
replicate runs on the same seed (common random numbers, so arm differences are paired), and a
run's seed depends on nothing but the root and its key, not on the executor, the number of
workers or the order in which runs finish. Its results are therefore the same however it is run.

Validation. The file is checked with pydantic (unknown keys are errors) and every arm's overrides,
every factor value (or range end) and the first design point under every arm are applied to the
base scenario (an arm's: its scenario file) with sim.io.loading.with_overrides before anything
runs or is written, so a typo in a key or a missing file fails at once with one line naming the
file, the key and what is allowed (exit status 2).
A combination that only fails deeper in the design fails that run alone, recorded as an error.

Running a plan, storing its runs and the command line are `sim.experiments.runner`'s.
"""

from __future__ import annotations

import itertools
import math
from dataclasses import dataclass, field
from pathlib import Path
from typing import Annotated, Any, Literal

import numpy as np
import pandas as pd
from pydantic import (
    BaseModel,
    ConfigDict,
    Field,
    ValidationError,
    field_validator,
    model_validator,
)

from sim.core.scaling import scale_overrides
from sim.core.scenario import Scenario
from sim.experiments.store import (
    SweepError,
    column_value,
    sha256_file,
    sha256_text,
)
from sim.io.errors import ScenarioError
from sim.io.loading import load_scenario, read_yaml_mapping, scenario_to_yaml, with_overrides

DESIGNS = ("grid", "list", "lhs", "sobol", "morris")
SAMPLED = ("lhs", "sobol", "morris")
INCLUDE = "include"  # the reserved arm key naming other arms whose overrides come first
SCENARIO = "scenario"  # the reserved arm key naming a scenario file to run on instead of base
DESIGN_STREAM = 0x5EED  # spawn key of the design's random stream (apart from the runs' seeds)
NAME = r"^[A-Za-z0-9_][A-Za-z0-9_.-]*$"
DOTTED = r"^[A-Za-z_][A-Za-z0-9_]*(\.[A-Za-z0-9_]+)*$"

PosInt = Annotated[int, Field(strict=True, ge=1)]
NonNegInt = Annotated[int, Field(strict=True, ge=0)]
Finite = Annotated[float, Field(allow_inf_nan=False)]


# ----------------------------------------------------------------------------------- the file
class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid")


class Factor(_Strict):
    """One varied scenario key: an explicit list of values, or a range [low, high]."""

    key: Annotated[str, Field(pattern=DOTTED)]
    values: list[Any] | None = None
    low: Finite | None = None
    high: Finite | None = None
    log: bool = False  # a range sampled log-uniformly
    integer: bool | None = None  # a range of integers; default: whether the base value is an int

    @model_validator(mode="after")
    def _values_or_range(self) -> Factor:
        ranged = self.low is not None or self.high is not None
        if self.values is not None:
            if not self.values:
                raise ValueError("values|is empty: give at least one value (or low and high)")
            if ranged:
                raise ValueError(
                    "|give either values: [...] (a list) or low and high (a range), not both"
                )
            for opt in ("log", "integer"):
                if opt in self.model_fields_set:
                    raise ValueError(f"{opt}|only for ranges (low, high), not for values")
            return self
        if self.low is None or self.high is None:
            missing = "low" if self.low is None else "high"
            raise ValueError(
                f"{missing}|a factor needs values: [...] (a list) or both low and high (a range)"
            )
        if self.low >= self.high:
            raise ValueError(
                f"high|the range is empty: high ({self.high:g}) must be greater than "
                f"low ({self.low:g})"
            )
        if self.log and self.low <= 0:
            raise ValueError(f"low|a log range needs low > 0 (got {self.low:g})")
        if self.integer and not (float(self.low).is_integer() and float(self.high).is_integer()):
            raise ValueError("low|an integer range needs whole numbers for low and high")
        return self

    @property
    def is_range(self) -> bool:
        return self.values is None


class Design(_Strict):
    """How the design points are made from the factors."""

    kind: Literal["grid", "list", "lhs", "sobol", "morris"] = "grid"
    samples: PosInt | None = None  # lhs: points; sobol: base samples (2^k); morris: trajectories
    second_order: bool = True  # sobol: also the second-order indices (N*(2D+2) points)
    levels: Annotated[int, Field(strict=True, ge=2)] = 4  # morris: grid levels (even)

    @model_validator(mode="after")
    def _options_fit_kind(self) -> Design:
        kind, given = self.kind, self.model_fields_set
        if kind in SAMPLED and self.samples is None:
            what = {"lhs": "points", "sobol": "base samples", "morris": "trajectories"}[kind]
            raise ValueError(f"samples|design '{kind}' needs samples: N (the number of {what})")
        if kind not in SAMPLED and "samples" in given:
            raise ValueError(
                f"samples|design '{kind}' takes its points from the factors' values; "
                "samples is for lhs, sobol and morris"
            )
        if "second_order" in given and kind != "sobol":
            raise ValueError(f"second_order|only for design 'sobol', not '{kind}'")
        if "levels" in given and kind != "morris":
            raise ValueError(f"levels|only for design 'morris', not '{kind}'")
        if kind == "sobol" and self.samples is not None and self.samples & (self.samples - 1):
            lo = 1 << (self.samples.bit_length() - 1)
            raise ValueError(
                f"samples|Saltelli's scheme needs a power of 2 base samples; got {self.samples}, "
                f"use {lo} or {2 * lo}"
            )
        if kind == "morris" and self.levels % 2:
            raise ValueError(f"levels|Morris needs an even number of levels, got {self.levels}")
        return self


class SweepSpec(_Strict):
    """A sweep file, as written (arms and points resolved by `load_sweep`)."""

    name: str
    description: str = ""
    base: Annotated[str, Field(min_length=1)]
    engine: Literal["mesa", "vector"]
    root_seed: NonNegInt
    replicates: PosInt = 1
    months: PosInt | None = None
    overrides: dict[str, Any] = Field(default_factory=dict)  # common to every arm
    tailors: PosInt | None = None  # scale every run to this many tailors (sim.core.scaling)
    keep_months: Any = None  # None (all) | [months] | a step (int)
    # Duranton-Overman K-density of each stage at the horizon, with this many counterfactual
    # draws (0: not computed; sim.measures.kdensity), stored with each run's outcomes
    kdensity_draws: Annotated[int, Field(strict=True, ge=0, le=10_000)] = 0
    arms: dict[str, Any] = Field(default_factory=lambda: {"base": {}})
    factors: list[Factor] = Field(default_factory=list)
    design: Design = Field(default_factory=Design)

    @field_validator("name")
    @classmethod
    def _name(cls, v: str) -> str:
        import re

        if not re.match(NAME, v):
            raise ValueError(
                f"|{v!r}: a name is letters, digits, '_', '-' or '.' (it names the results folder)"
            )
        return v

    @field_validator("keep_months")
    @classmethod
    def _keep(cls, v: Any) -> Any:
        allowed = "allowed: a list of months, e.g. [0, 60, 120], or a step in months, e.g. 12"
        if v is None:
            return v
        if isinstance(v, int) and not isinstance(v, bool):
            if v < 1:
                raise ValueError(f"|a step must be at least 1 month (got {v}); {allowed}")
            return v
        if isinstance(v, list) and v:
            bad = [m for m in v if not isinstance(m, int) or isinstance(m, bool) or m < 0]
            if bad:
                raise ValueError(f"|months are whole numbers >= 0, got {bad[0]!r}; {allowed}")
            return sorted(set(v))
        raise ValueError(f"|got {v!r}; {allowed}")

    @field_validator("arms")
    @classmethod
    def _arms(cls, v: dict[str, Any]) -> dict[str, Any]:
        import re

        if not v:
            raise ValueError("|needs at least one arm (or leave arms out for a single 'base' arm)")
        for name, body in v.items():
            if not isinstance(name, str) or not re.match(NAME, name):
                raise ValueError(
                    f"{name}|an arm name is letters, digits, '_', '-' or '.' (it names files)"
                )
            if body is not None and not isinstance(body, dict):
                raise ValueError(
                    f"{name}|an arm is a mapping of dotted scenario keys to values, "
                    f"got {type(body).__name__}"
                )
            for key, value in (body or {}).items():
                head = str(key).split(".", 1)[0]
                if key == SCENARIO:
                    if not isinstance(value, str) or not value.strip():
                        raise ValueError(
                            f"{name}.{key}|a scenario file, as a path relative to this sweep "
                            f"file (like base), got {value!r}"
                        )
                elif key != INCLUDE and head not in Scenario.model_fields:
                    allowed = ", ".join(Scenario.model_fields)
                    raise ValueError(
                        f"{name}.{key}|unknown key '{head}'; allowed: {SCENARIO} (a scenario file "
                        f"to run on instead of base), {INCLUDE} (arms whose overrides come "
                        f"first) or a dotted scenario key under {allowed}"
                    )
        return {name: dict(body or {}) for name, body in v.items()}


_MODELS: dict[str, type[BaseModel]] = {"factors": Factor, "design": Design}


def _error_from_validation(exc: ValidationError, source: str) -> SweepError:
    """The first pydantic error as one line: file, key path, what is allowed."""
    err = exc.errors()[0]
    loc = tuple(err.get("loc", ()))
    key = ".".join(str(p) for p in loc)
    msg = err.get("msg", "invalid value")
    kind = err.get("type")
    if kind == "extra_forbidden":
        model = _MODELS.get(str(loc[0]), SweepSpec) if len(loc) > 1 else SweepSpec
        allowed = ", ".join(model.model_fields)
        return SweepError(source, key, f"unknown key '{loc[-1]}'; allowed: {allowed}")
    if kind == "missing":
        return SweepError(source, key, "is required")
    if msg.startswith("Value error, "):
        msg = msg.removeprefix("Value error, ")
        if "|" in msg:
            sub, msg = msg.split("|", 1)
            key = ".".join(p for p in (key, sub) if p)
        return SweepError(source, key, msg)
    given = err.get("input")
    shown = "" if isinstance(given, (dict, list)) else f" (got {given!r})"
    return SweepError(source, key, f"{msg}{shown}")


# ----------------------------------------------------------------------------------- the plan
@dataclass(frozen=True)
class RunTask:
    """Everything a worker needs for one run (picklable)."""

    key: str
    point: int
    arm: str
    replicate: int
    seed: int
    engine: str
    base: Scenario  # the arm's: the sweep's base, or the arm's `scenario:` file
    overrides: dict[str, Any]
    factors: dict[str, Any]
    keep_months: Any
    tailors: int | None = None  # scale to this size after the overrides (sim.core.scaling)
    kdensity_draws: int = 0  # K-density draws at the horizon (0: none)

    def scenario(self) -> Scenario:
        """The run's scenario: base, then the arm's and the point's overrides, then the scale."""
        scenario = with_overrides(self.base, self.overrides) if self.overrides else self.base
        if self.tailors is not None:
            scenario = with_overrides(scenario, scale_overrides(scenario, self.tailors))
        return scenario


@dataclass
class SweepPlan:
    """A validated sweep: the spec, its base scenario, resolved arms and design points."""

    path: Path
    spec: SweepSpec
    base: Scenario  # with `months` and `overrides` applied
    base_path: Path
    arms: dict[str, dict[str, Any]]  # name -> flat dotted overrides (includes applied)
    points: list[dict[str, Any]]  # point -> {factor key: value}
    unit: np.ndarray | None = None  # sampled designs: the unit-cube coordinates of the points
    sweep_sha256: str = ""
    base_sha256: str = ""
    integer: dict[str, bool] = field(default_factory=dict)  # range factors: integer-valued?
    values: dict[str, list[Any]] = field(default_factory=dict)  # value factors, as validated
    # arms on a scenario file of their own (`scenario:`, theirs or an included arm's): the file as
    # written in the sweep file, and the sha256 of its resolved scenario (as base_sha256)
    arm_scenarios: dict[str, str] = field(default_factory=dict)
    arm_sha256: dict[str, str] = field(default_factory=dict)
    # every arm's base: `base`, or its scenario file with `months` and `overrides` applied
    arm_bases: dict[str, Scenario] = field(default_factory=dict)

    def arm_base(self, arm: str) -> Scenario:
        """The scenario an arm's overrides apply to: its `scenario:` file, or the sweep's base."""
        return self.arm_bases.get(arm, self.base)

    def arm_file(self, arm: str) -> Path:
        """The scenario file an arm runs on."""
        written = self.arm_scenarios.get(arm)
        return self.base_path if written is None else self.path.parent / written

    @property
    def factor_keys(self) -> list[str]:
        return [f.key for f in self.spec.factors]

    @property
    def n_runs(self) -> int:
        return len(self.points) * len(self.arms) * self.spec.replicates

    def tasks(self) -> list[RunTask]:
        """Every run, point by point, replicate by replicate, arm by arm (paired arms together)."""
        out = []
        for p, values in enumerate(self.points):
            for r in range(self.spec.replicates):
                seed = run_seed(self.spec.root_seed, p, r)
                for arm, overrides in self.arms.items():
                    out.append(
                        RunTask(
                            key=run_key(p, arm, r),
                            point=p,
                            arm=arm,
                            replicate=r,
                            seed=seed,
                            engine=self.spec.engine,
                            base=self.arm_base(arm),
                            overrides={**overrides, **values},
                            factors=dict(values),
                            keep_months=self.spec.keep_months,
                            tailors=self.spec.tailors,
                            kdensity_draws=self.spec.kdensity_draws,
                        )
                    )
        return out

    def resolved(self) -> dict[str, Any]:
        """The sweep as run: arms flattened, includes applied, each arm's scenario file named
        (`scenario:`, as written) if it has one (for the manifest)."""
        out = self.spec.model_dump(mode="json", exclude_none=True)
        out["arms"] = {
            a: ({SCENARIO: self.arm_scenarios[a]} if a in self.arm_scenarios else {}) | dict(o)
            for a, o in self.arms.items()
        }
        kind = self.spec.design.kind
        out["design"] = {
            k: v
            for k, v in out["design"].items()
            if k == "kind"
            or (k == "samples" and kind in SAMPLED)
            or (k == "second_order" and kind == "sobol")
            or (k == "levels" and kind == "morris")
        }
        out["factors"] = [
            {**f.model_dump(mode="json", exclude_none=True), "integer": self.integer.get(f.key)}
            if f.is_range
            else {"key": f.key, "values": self.values[f.key]}
            for f in self.spec.factors
        ]
        return out

    def points_table(self) -> pd.DataFrame:
        table = pd.DataFrame(
            [{k: column_value(v) for k, v in pt.items()} for pt in self.points],
            columns=self.factor_keys,
        )
        table.insert(0, "point", np.arange(len(self.points)))
        if self.unit is not None:
            for j, key in enumerate(self.factor_keys):
                table[f"unit:{key}"] = self.unit[:, j]
        return table


def run_seed(root_seed: int, point: int, replicate: int) -> int:
    """A run's seed: from the root and its (point, replicate) only; every arm shares it."""
    return int(np.random.SeedSequence([root_seed, point, replicate]).generate_state(1)[0])


def run_key(point: int, arm: str, replicate: int) -> str:
    return f"p{point:05d}-{arm}-r{replicate:04d}"


def _flatten(mapping: dict[Any, Any], prefix: str = "") -> dict[str, Any]:
    """Nested mappings to dotted keys: a mapping merges key by key, like `extends:`."""
    out: dict[str, Any] = {}
    for k, v in mapping.items():
        dotted = f"{prefix}{k}"
        if isinstance(v, dict) and v:
            out.update(_flatten(v, f"{dotted}."))
        else:
            out[dotted] = v
    return out


def _overlap(a: str, b: str) -> bool:
    return a == b or a.startswith(f"{b}.") or b.startswith(f"{a}.")


def _resolve_arms(
    raw: dict[str, dict[str, Any]], source: str, folder: Path
) -> tuple[dict[str, dict[str, Any]], dict[str, str]]:
    """Each arm's flat overrides (its includes' first), and the scenario file (as written) of
    every arm that runs on one instead of base: its own `scenario:` or that of an arm it includes.
    The files an arm gathers must all be the same file (SweepError otherwise)."""
    resolved: dict[str, dict[str, Any]] = {}
    files: dict[str, str | None] = {}

    def resolve(name: str, stack: tuple[str, ...]) -> dict[str, Any]:
        if name in resolved:
            return resolved[name]
        body = dict(raw[name])
        include = body.pop(INCLUDE, [])
        scenario: str | None = body.pop(SCENARIO, None)
        owner = "this arm"
        if scenario is not None and not (folder / scenario).is_file():
            raise SweepError(
                source,
                f"arms.{name}.{SCENARIO}",
                f"scenario file not found: {folder / scenario} (a path relative to this sweep "
                "file, like base)",
            )
        if isinstance(include, str):
            include = [include]
        if not isinstance(include, list) or not all(isinstance(i, str) for i in include):
            raise SweepError(source, f"arms.{name}.{INCLUDE}", "must be a list of arm names")
        out: dict[str, Any] = {}
        for other in include:
            if other not in raw:
                others = ", ".join(a for a in raw if a != name) or "(no other arm is defined)"
                raise SweepError(
                    source, f"arms.{name}.{INCLUDE}", f"unknown arm '{other}'; allowed: {others}"
                )
            if other in (*stack, name):
                chain = " -> ".join((*stack, name, other))
                raise SweepError(source, f"arms.{name}.{INCLUDE}", f"include cycle: {chain}")
            out.update(resolve(other, (*stack, name)))
            theirs = files[other]
            if theirs is None:
                continue
            if scenario is None:
                scenario, owner = theirs, f"arm '{other}'"
            elif (folder / scenario).resolve() != (folder / theirs).resolve():
                raise SweepError(
                    source,
                    f"arms.{name}.{INCLUDE}",
                    f"arm '{other}' runs on {theirs} and {owner} on {scenario}; an arm runs on "
                    "one scenario file, so it may include only arms on that file or on base "
                    "(for a combination, name a scenario file that combines them with scenario:)",
                )
        for key, value in _flatten(body).items():
            if not isinstance(key, str) or not key:
                raise SweepError(source, f"arms.{name}", f"'{key}' is not a dotted scenario key")
            out[key] = value
        resolved[name] = out
        files[name] = scenario
        return out

    arms = {name: resolve(name, ()) for name in raw}
    return arms, {name: f for name, f in files.items() if f is not None}


_MISSING = object()


def _lookup(data: Any, dotted: str) -> Any:
    """The value at a dotted key of a dumped scenario, or _MISSING."""
    node = data
    for part in dotted.split("."):
        if isinstance(node, dict) and part in node:
            node = node[part]
        elif isinstance(node, list) and part.isdigit() and int(part) < len(node):
            node = node[int(part)]
        else:
            return _MISSING
    return node


def _canonical(scenario: Scenario, overrides: dict[str, Any]) -> dict[str, Any]:
    """Overrides as the validated scenario holds them (YAML's `1.0e7` is the string '1.0e7' to
    PyYAML; the schema reads it as the number 10000000.0, and that is what tables should show)."""
    dump = scenario.model_dump(mode="json")
    out = {}
    for key, value in overrides.items():
        got = _lookup(dump, key)
        out[key] = value if got is _MISSING else got
    return out


def _unit_sample(spec: SweepSpec, d: int) -> np.ndarray:
    """The sampled design in the unit cube [0, 1]^d, from root_seed's design stream."""
    design = spec.design
    seq = np.random.SeedSequence(spec.root_seed, spawn_key=(DESIGN_STREAM,))
    if design.kind == "lhs":
        from scipy.stats import qmc

        try:
            sampler = qmc.LatinHypercube(d, rng=np.random.default_rng(seq))
        except TypeError:  # scipy < 1.15 calls it seed
            sampler = qmc.LatinHypercube(d, seed=np.random.default_rng(seq))
        return sampler.random(design.samples)
    problem = {"num_vars": d, "names": [f"x{i}" for i in range(d)], "bounds": [[0.0, 1.0]] * d}
    seed = int(seq.generate_state(1)[0])
    if design.kind == "sobol":
        from SALib.sample import sobol

        return sobol.sample(
            problem, design.samples, calc_second_order=design.second_order, seed=seed
        )
    from SALib.sample import morris

    return morris.sample(problem, design.samples, num_levels=design.levels, seed=seed)


def _scale(f: Factor, u: np.ndarray, integer: bool) -> list[Any]:
    """Unit-cube coordinates onto the factor's range (clipped: exp(log(x)) may overshoot)."""
    lo, hi = float(f.low), float(f.high)  # type: ignore[arg-type]
    if f.log:
        x = np.clip(np.exp(np.log(lo) + u * (np.log(hi) - np.log(lo))), lo, hi)
        return [int(v) for v in np.clip(np.rint(x), lo, hi)] if integer else [float(v) for v in x]
    if integer:  # each of the (hi - lo + 1) integers equally likely
        x = np.clip(np.floor(lo + u * (hi - lo + 1)), lo, hi)
        return [int(v) for v in x]
    return [float(v) for v in np.clip(lo + u * (hi - lo), lo, hi)]


def _check_design(spec: SweepSpec, source: str) -> None:
    """Factors fit the design kind and are not listed twice."""
    factors, kind = spec.factors, spec.design.kind
    for i, f in enumerate(factors):
        if kind in SAMPLED and not f.is_range:
            raise SweepError(
                source,
                f"factors.{i}",
                f"design '{kind}' samples ranges: give {f.key} low and high, not values",
            )
        if kind not in SAMPLED and f.is_range:
            raise SweepError(
                source,
                f"factors.{i}",
                f"design '{kind}' takes explicit values: give {f.key} values: [...], "
                "or use design lhs, sobol or morris for a range",
            )
    keys = [f.key for f in factors]
    for i, key in enumerate(keys):
        for other in keys[:i]:
            if _overlap(key, other):
                raise SweepError(source, f"factors.{i}.key", f"'{key}' overlaps '{other}'")
    if kind == "list":
        lengths = [len(f.values or []) for f in factors]
        if len(set(lengths)) > 1:
            shown = ", ".join(f"factors.{i} has {n}" for i, n in enumerate(lengths))
            raise SweepError(
                source,
                "factors",
                f"design 'list' pairs the i-th values of every factor, so all need the same "
                f"number of values ({shown})",
            )
    if kind in SAMPLED and not factors:
        raise SweepError(source, "factors", f"design '{kind}' needs at least one factor range")


def _design_points(
    spec: SweepSpec, values: dict[str, list[Any]], integer: dict[str, bool]
) -> tuple[list[dict[str, Any]], np.ndarray | None]:
    """The design points (factor key -> value), and for sampled designs the unit-cube sample."""
    factors, kind = spec.factors, spec.design.kind
    keys = [f.key for f in factors]
    if kind == "grid":
        combos = itertools.product(*[values[k] for k in keys])
        return [dict(zip(keys, combo, strict=True)) for combo in combos], None
    if kind == "list":
        if not factors:
            return [{}], None
        combos = zip(*[values[k] for k in keys], strict=True)
        return [dict(zip(keys, combo, strict=True)) for combo in combos], None
    unit = np.asarray(_unit_sample(spec, len(factors)), dtype=float)
    columns = [_scale(f, unit[:, j], integer[f.key]) for j, f in enumerate(factors)]
    points = [dict(zip(keys, row, strict=True)) for row in zip(*columns, strict=True)]
    return points, unit


def _read_sweep_yaml(path: Path) -> dict[str, Any]:
    return read_yaml_mapping(path, error=SweepError, empty_ok=False)


KEY_PROBLEMS = ("unknown key", "is not an index", "holds a value, not a mapping")


def _try(
    scenario: Scenario,
    overrides: dict[str, Any],
    source: str,
    key: str,
    what: str,
    key_of_key: str | None = None,
) -> Scenario:
    """`with_overrides`, its ScenarioError re-raised against the sweep file's key path (the
    factor's `key` itself when the dotted key is what is wrong, if `key_of_key` is given)."""
    try:
        return with_overrides(scenario, overrides)
    except ScenarioError as exc:
        detail = f"{exc.key}: {exc.message}" if exc.key else exc.message
        if key_of_key is not None and any(p in exc.message for p in KEY_PROBLEMS):
            raise SweepError(source, key_of_key, f"not a scenario key: {detail}") from None
        raise SweepError(source, key, f"{what} is not a valid scenario: {detail}") from None


def load_sweep(path: str | Path) -> SweepPlan:
    """Read and validate a sweep file, its base scenario, arms and design, running nothing.

    Raises SweepError (or ScenarioError for a bad base scenario): one line naming the file, the
    key path and what is allowed.
    """
    path = Path(path)
    source = str(path)
    data = _read_sweep_yaml(path)
    try:
        spec = SweepSpec.model_validate(data)
    except ValidationError as exc:
        raise _error_from_validation(exc, source) from None

    base_path = path.parent / spec.base
    if not base_path.is_file():
        raise SweepError(source, "base", f"scenario file not found: {base_path}")
    common = _flatten(spec.overrides)
    if any(_overlap(k, "run.seed") for k in common):
        raise SweepError(source, "overrides", "run.seed is set per run from root_seed; remove it")

    def prepared(file: Path, what: str) -> Scenario:
        """A scenario file with `months` and the common `overrides` applied."""
        scenario = load_scenario(file)
        if spec.months is not None:
            scenario = with_overrides(scenario, {"run.months": spec.months})
        if common:
            scenario = _try(scenario, common, source, "overrides", f"{what} + overrides")
        return scenario

    base = prepared(base_path, "base")
    arms, arm_scenarios = _resolve_arms(spec.arms, source, path.parent)
    loaded: dict[Path, Scenario] = {}  # arms on one file share its scenario
    arm_bases: dict[str, Scenario] = {}
    for name in arms:
        written = arm_scenarios.get(name)
        if written is None:
            arm_bases[name] = base
            continue
        file = (path.parent / written).resolve()
        if file not in loaded:
            loaded[file] = prepared(path.parent / written, written)
        arm_bases[name] = loaded[file]

    for name, overrides in arms.items():
        for key in overrides:
            if _overlap(key, "run.seed"):
                raise SweepError(
                    source, f"arms.{name}", "run.seed is set per run from root_seed; remove it"
                )
            for i, f in enumerate(spec.factors):
                if _overlap(key, f.key):
                    raise SweepError(
                        source,
                        f"arms.{name}",
                        f"'{key}' is also factors.{i} ({f.key}); a key is either an arm "
                        "override or a factor",
                    )
    for i, f in enumerate(spec.factors):
        if _overlap(f.key, "run.seed"):
            raise SweepError(
                source, f"factors.{i}.key", "run.seed is set per run from root_seed, not a factor"
            )

    _check_design(spec, source)
    if spec.tailors is not None:
        for i, f in enumerate(spec.factors):
            if _overlap(f.key, "population.tailors"):
                raise SweepError(
                    source, "tailors", f"sets the size that factors.{i} ({f.key}) varies; keep one"
                )

    # every key and value against the base (an arm's: its scenario file), before any run
    horizons: dict[str, int] = {}
    for name, overrides in arms.items():
        on = arm_scenarios.get(name, "base")
        sc = _try(arm_bases[name], overrides, source, f"arms.{name}", f"{on} + arm '{name}'")
        horizons[name] = sc.run.months
        arms[name] = _canonical(sc, overrides)
    base_dump = base.model_dump(mode="json")
    integer: dict[str, bool] = {}
    values: dict[str, list[Any]] = {}
    for i, f in enumerate(spec.factors):
        if f.is_range:
            current = _lookup(base_dump, f.key)
            guess = isinstance(current, int) and not isinstance(current, bool)
            integer[f.key] = guess if f.integer is None else f.integer
            for end, value in (("low", f.low), ("high", f.high)):
                v = int(value) if integer[f.key] else value  # type: ignore[arg-type]
                where = f"factors.{i}.{end}"
                _try(base, {f.key: v}, source, where, f"{f.key} = {v!r}", f"factors.{i}.key")
        else:
            values[f.key] = []
            for j, value in enumerate(f.values or []):
                what = f"{f.key} = {value!r}"
                where = f"factors.{i}.values.{j}"
                sc = _try(base, {f.key: value}, source, where, what, f"factors.{i}.key")
                values[f.key].append(_canonical(sc, {f.key: value})[f.key])
    points, unit = _design_points(spec, values, integer)
    if not points:
        raise SweepError(source, "design", "the design has no points")
    for name, overrides in arms.items():
        first = _try(
            arm_bases[name],
            {**overrides, **points[0]},
            source,
            "design",
            f"point 0 ({points[0]}) under arm '{name}'",
        )
        if spec.tailors is not None:
            what = f"arm '{name}' scaled to {spec.tailors} tailors"
            _try(first, scale_overrides(first, spec.tailors), source, "tailors", what)

    keep = spec.keep_months
    if isinstance(keep, list) and not any(_overlap(f.key, "run.months") for f in spec.factors):
        for name, months in horizons.items():
            late = [m for m in keep if m > months]
            if late:
                raise SweepError(
                    source,
                    "keep_months",
                    f"month {late[0]} is after the horizon of arm '{name}' ({months} months)",
                )

    base_yaml = scenario_to_yaml(base)
    return SweepPlan(
        path=path,
        spec=spec,
        base=base,
        base_path=base_path,
        arms=arms,
        points=points,
        unit=unit,
        sweep_sha256=sha256_file(path),
        base_sha256=sha256_text(base_yaml),
        integer=integer,
        values=values,
        arm_scenarios=arm_scenarios,
        arm_sha256={n: sha256_text(scenario_to_yaml(arm_bases[n])) for n in arm_scenarios},
        arm_bases=arm_bases,
    )


def salib_problem(plan: SweepPlan) -> dict[str, Any]:
    """The SALib problem of a sampled design, for SALib.analyze on per-point outputs.

    Bounds are in the units the analysis should see the factors in: [low, high], or
    [log(low), log(high)] for log factors (analyse them as log values). For exact agreement with
    the sample's structure, analyse on the unit-cube coordinates (points.parquet, `unit:` columns)
    with bounds [0, 1].
    """
    bounds = [
        [math.log(f.low), math.log(f.high)] if f.log else [f.low, f.high]  # type: ignore[arg-type]
        for f in plan.spec.factors
    ]
    return {"num_vars": len(bounds), "names": plan.factor_keys, "bounds": bounds}
