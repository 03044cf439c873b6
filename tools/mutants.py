"""Mutation check of the model's rules: which deliberate mistakes in the rules do the tests catch?

Run: `make mutants`, or `python tools/mutants.py [--tests PATH ...] [--only NAME ...]
[--timeout SECONDS] [--list]`. Not collected by pytest (pyproject's `testpaths` is `tests/`) and
not in CI: it is a report, about five minutes with the default test selection.

Each mutation is a named text substitution in `sim/core/rules.py` or `sim/core/levers.py` (the
lever support, `firm_support`): an exact snippet of the current source and what replaces it.
Before anything runs, every snippet must occur exactly once in its file; if one does not (the
code moved on), the script says which and exits 2, so the list is kept in step with the rules.

The repository's `sim/`, `tests/`, `scenarios/`, `docs/` and `pyproject.toml` are copied once to
a temporary directory (without `__pycache__`, so no compiled kernel cache is shared). The
unmutated copy must pass the selection first. Then, for each mutation, its file is rewritten with
the substitution, the selection runs there (`pytest -x -q -p no:cacheprovider`, PYTHONPATH = the
copy, so `import sim` is the mutated copy and not the editable install), and the file is put
back. A mutation is *killed* when a test fails (the first failing test id is shown), *survived*
when the selection passes, *timeout* when it runs past `--timeout`.

The default selection (tests/test_rules.py, tests/test_scaling.py) checks the rules against
hand-worked values and needs no compiled kernels: about 5 s a mutation. tests/test_compiled_rules.py
is left out: it compiles the rules with numba (over 20 s a mutation) and compares the compiled
rules with the NumPy ones, so a mutation changes both sides alike and it can hardly kill one.
Tests that run the vector engine (`--tests tests/test_model.py ...`) recompile its kernels for
every mutation (the numba cache is keyed on the sources): a minute or more each.

Prints a table (mutation, file:function, outcome, first failing test, seconds) and a summary
line; exits 0 (it is a report), 2 if a snippet is missing or not unique, 3 if the unmutated copy
fails the selection.
"""

from __future__ import annotations

import argparse
import os
import re
import shutil
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
COPY = ("sim", "tests", "scenarios", "docs", "pyproject.toml")
DEFAULT_TESTS = ("tests/test_rules.py", "tests/test_scaling.py")
RULES = "sim/core/rules.py"
LEVERS = "sim/core/levers.py"


@dataclass(frozen=True)
class Mutation:
    name: str
    file: str
    function: str
    original: str
    replacement: str
    tests: tuple[str, ...] = ()  # its own test selection (pytest arguments); () = `--tests`


M = Mutation
MUTATIONS: tuple[Mutation, ...] = (
    # 1. return migration
    M("return: peer sign flipped", RULES, "return_probability",
      "+ p.peer * peer_share", "- p.peer * peer_share"),
    M("return: income gap not relative", RULES, "return_probability",
      "gap = (home_income - coastal_wage) / coastal_wage",
      "gap = (home_income - coastal_wage) / 1.0"),
    M("return: max_hazard cap dropped", RULES, "return_probability",
      "return p.max_hazard * logistic(v)", "return logistic(v)"),
    M("leave: >= -> > at leave_after_months", RULES, "leave_probability",
      ">= p.leave_after_months", "> p.leave_after_months"),
    M("job probability: min(1, .) cap dropped", RULES, "job_probability",
      "float(min(1.0, vacancies / max(1.0, seekers)))",
      "float(vacancies / max(1.0, seekers))"),
    # 2. entrepreneurship
    M("plant slots: a part of a start-up's need counts (ceil)", RULES, "plant_slots",
      "np.floor(np.asarray(free_m2", "np.ceil(np.asarray(free_m2"),
    M("startup cost: premises cost dropped", RULES, "startup_cost",
      "0.0, p.premises_cost)", "0.0, 0.0)"),
    M("startup cost: machines dropped", RULES, "startup_cost",
      "base = p.startup_fixed_cost + p.capital_per_worker * p.startup_workers",
      "base = p.startup_fixed_cost"),
    M("founder credit: cap ignored (min -> max)", RULES, "founder_credit",
      "return np.minimum(credit_cap, credit_leverage",
      "return np.maximum(credit_cap, credit_leverage"),
    M("founding: premises delay dropped", RULES, "founding_probability",
      "return base / (1.0 + delay)", "return base"),
    M("can finance: >= -> >", RULES, "can_finance",
      "savings + credit >= cost", "savings + credit > cost"),
    M("founder equity: savings not capped at cost", RULES, "founder_equity",
      "equity = min(savings, cost)", "equity = savings"),
    M("entrant capital: machines dropped", RULES, "entrant_capital",
      "return p.startup_fixed_cost + p.capital_per_worker * workers",
      "return p.startup_fixed_cost + 0.0 * workers"),
    # 3. outside investment
    M("arrivals: size not in agglomeration units", RULES, "investor_arrival_rate",
      "np.log1p(local_firms / unit)", "np.log1p(local_firms)"),
    M("acceptance: labour factor dropped", RULES, "investor_acceptance",
      "np.asarray(stage_margin)) * labour", "np.asarray(stage_margin))"),
    M("stage margin: sign flipped", RULES, "stage_margins",
      "profit / np.where(output > 0, output, 1.0)",
      "-profit / np.where(output > 0, output, 1.0)"),
    M("stage weights: gap pull sign flipped", RULES, "investor_stage_weights",
      "(1.0 + gap_pull * unmet_share)", "(1.0 - gap_pull * unmet_share)"),
    # 4. location choice
    M("zone weights: area exponent ignored", RULES, "zone_weights",
      "area**p.area_exponent", "area"),
    M("zone weights: increasing returns ignored", RULES, "zone_weights",
      "** p.increasing_returns", "** 1.0"),
    M("zone weights: rent sign flipped", RULES, "zone_weights",
      "- p.rent * rent / rent_ref", "+ p.rent * rent / rent_ref"),
    M("cell mass: linkage dropped", RULES, "cell_mass_coefficients",
      "return (own + p.linkage_weight * linked) / unit", "return own / unit"),
    M("cell weights: plant bonus dropped", RULES, "cell_weights",
      "np.where(has_plant, np.exp(p.cell_plant), 1.0)", "1.0"),
    M("choose: side right -> left", RULES, "choose",
      'side="right"', 'side="left"'),
    # 5. production
    M("box band: <= -> < radius", RULES, "box_band",
      "<= radius).astype(float)", "< radius).astype(float)"),
    M("externality: localization x2", RULES, "externality",
      "1.0 + p.localization * np.log1p(same)", "1.0 + 2 * p.localization * np.log1p(same)"),
    M("externality: same-stage count not in units", RULES, "externality",
      "np.asarray(same_nbhd) / unit", "np.asarray(same_nbhd)"),
    M("congested rent: elasticity dropped", RULES, "congested_rent",
      "base_rent * (1.0 + elasticity * density)", "base_rent * (1.0 + 0.0 * density)"),
    M("local supply share: min(1, ratio) cap dropped", RULES, "local_supply_share",
      "max_share * np.minimum(1.0, ratio)", "max_share * ratio"),
    M("output: local workers as productive as tailors", RULES, "firm_output",
      "tailors + p.local_worker_productivity * locals_", "tailors + locals_"),
    M("output: reference-size scaling dropped", RULES, "firm_output",
      "* p.reference_workers ** (1.0 - p.returns_to_scale)", "* 1.0"),
    M("entry productivity: lognormal mean fix dropped", RULES, "entry_productivity",
      "np.asarray(shock) - p.productivity_sd**2 / 2", "np.asarray(shock)"),
    M("hiring: max(1, .) floor on step up dropped", RULES, "hiring_target",
      "step_up = max(1, math.floor(p.hire_rate * workers))",
      "step_up = math.floor(p.hire_rate * workers)"),
    M("hiring: finance limit ignored", RULES, "hiring_target",
      "return workers + min(step_up, affordable)", "return workers + step_up"),
    M("hiring: shrink at margin 0 (< -> <=)", RULES, "hiring_target",
      "if margin < 0:", "if margin <= 0:"),
    M("credit room: negative net worth counted", RULES, "credit_room",
      "leverage * max(capital, 0.0) - debt", "leverage * capital - debt"),
    M("machine debt: entrant's first month charged", RULES, "machine_debt",
      "if age_months > 0 else 0.0", "if age_months >= 0 else 0.0"),
    M("productivity shock: sd ignored", RULES, "shocked_productivity",
      "np.exp(p.productivity_shock_sd * shock)", "np.exp(shock)"),
    # 7. exit
    M("exit hazard: x2", RULES, "exit_hazard",
      "return np.minimum(1.0, monthly * after_loss)",
      "return np.minimum(1.0, 2.0 * monthly * after_loss)"),
    M("exit hazard: min(1, .) cap dropped", RULES, "exit_hazard",
      "return np.minimum(1.0, monthly * after_loss)", "return monthly * after_loss"),
    M("exit hazard: annual / 12 instead of compounding", RULES, "exit_hazard",
      "monthly = 1.0 - (1.0 - annual) ** (1.0 / 12.0)", "monthly = annual / 12.0"),
    M("exit hazard: loss multiplier ignored", RULES, "exit_hazard",
      "p.loss_multiplier, 1.0)", "1.0, 1.0)"),
    M("forced exit: >= -> > loss months", RULES, "forced_exit",
      "loss_streak >= p.loss_months", "loss_streak > p.loss_months"),
    # 6. sourcing & 7. profit
    M("input cost: local saving sign flipped", RULES, "input_cost_share",
      "return input_share - saving *", "return input_share + saving *"),
    M("accounts: social insurance dropped", RULES, "firm_accounts",
      "wages * (1.0 + t.social_insurance)", "wages"),
    M("accounts: interest annual instead of monthly", RULES, "firm_accounts",
      "interest = prod.loan_rate / 12.0 * debt", "interest = prod.loan_rate * debt"),
    M("accounts: market rent on all space", RULES, "firm_accounts",
      "np.maximum(0.0, used - plant_m2) * rent_cell", "used * rent_cell"),
    M("settle: amortization dropped", RULES, "settle_firm",
      "debt * (1.0 - amortization)", "debt * 1.0"),
    M("settle: margin sign flipped", RULES, "settle_firm",
      "margin = profit / output if", "margin = -profit / output if"),
    M("settle: loss streak never reset", RULES, "settle_firm",
      "loss_streak + 1 if idle_or_losing else 0",
      "loss_streak + 1 if idle_or_losing else loss_streak"),
    M("settle: idle month not a loss", RULES, "settle_firm",
      "idle_or_losing = profit < 0 or not output > 0", "idle_or_losing = profit < 0"),
    M("settle: plant months count outside plant", RULES, "settle_firm",
      "plant_months + 1 if in_plant else plant_months", "plant_months + 1"),
    M("settle: guaranteed debt not amortized", RULES, "settle_firm",
      "guaranteed * (1.0 - amortization)", "guaranteed * 1.0"),
    M("settle: income tax on losses too", RULES, "settle_firm",
      "tax = income_tax * max(before_tax, 0.0)", "tax = income_tax * before_tax"),
    M("settle: income tax not deducted", RULES, "settle_firm",
      "profit = before_tax - tax", "profit = before_tax"),
    # 7.9 guarantees
    M("guarantee: unguaranteed room ignored", RULES, "guaranteed_debt",
      "room = max(0.0, unguaranteed_limit - debt)", "room = 0.0"),
    M("guarantee: room counts only the guaranteed part", RULES, "guaranteed_debt",
      "max(0.0, unguaranteed_limit - debt)", "max(0.0, unguaranteed_limit - guaranteed)"),
    M("guarantee: acts everywhere", RULES, "guaranteed_debt",
      "if not guarantee or new_debt <= 0:", "if new_debt <= 0:"),
    # 4.11 fiscal account
    M("residual value: life read in months", RULES, "residual_value",
      "age / (12.0 * life_years)", "age / life_years"),
    M("residual value: not floored at 0", RULES, "residual_value",
      "np.maximum(0.0, 1.0 - age / (12.0 * life_years))", "(1.0 - age / (12.0 * life_years))"),
    M("discount: yearly exponent on months", RULES, "discount_factor",
      "np.asarray(month, dtype=np.float64) / 12.0)", "np.asarray(month, dtype=np.float64))"),
    # levers: firm_support
    M("support: interest subsidy 0", LEVERS, "firm_support",
      "production.loan_rate) / 12.0 * debt", "production.loan_rate) * 0.0 * debt"),
    M("support: rate subsidy not capped at loan rate", LEVERS, "firm_support",
      "min(lv.financing.rate_subsidy, production.loan_rate)", "lv.financing.rate_subsidy"),
    M("support: plant discount window always on", LEVERS, "firm_support",
      "in_window = np.asarray(plant_months) < lv.plant_supply.rent_discount_months",
      "in_window = True"),
    M("support: plant window < -> <=", LEVERS, "firm_support",
      "np.asarray(plant_months) < lv", "np.asarray(plant_months) <= lv"),
    M("support: burden age limit < -> <=", LEVERS, "firm_support",
      "np.asarray(firm_age) < lv", "np.asarray(firm_age) <= lv"),
    M("support: output tax cut not capped at the tax", LEVERS, "firm_support",
      "min(lv.burden.output_tax_cut, taxes.output_tax)", "lv.burden.output_tax_cut"),
    M("support: rent relief before plant discount", LEVERS, "firm_support",
      "rent_market + rent_plant - req_plant", "rent_market + rent_plant"),
    M("support: plant discount for every tenant", LEVERS, "firm_support",
      "req_plant = discounted * in_window", "req_plant = in_window"),
    M("support: burden's tax cut not its tax part", LEVERS, "firm_support",
      "tax_burden = burden_on * young * tax_cut", "tax_burden = 0.0 * tax_cut"),
    M("grant: forgone revenue booked as an outlay too", LEVERS, "grant",
      'self.books["outlay"] += (requested - forgone) * share',
      'self.books["outlay"] += requested * share'),
)  # fmt: skip


# Engine mutations (`--group engines`): one engine applies a rule with a hazard 10% off (or 50%,
# the table), the rule itself unchanged. The rule tests cannot see these (both engines
# call the same rule); the one-month rate tests of that engine must, and, for the founding and
# exit hazards, the engines' equivalence test (its hazard-rate part, tests/test_equivalence.py).
MESA_AGENTS, MESA_MODEL = "sim/engines/mesa/agents.py", "sim/engines/mesa/model.py"
VEC_MODEL, VEC_KERNELS = "sim/engines/vector/model.py", "sim/engines/vector/kernels.py"
VEC_ENTRY = "sim/engines/vector/entry_kernels.py"
MESA_RATES = ("tests/test_rates.py", "-k", "mesa")
VEC_RATES = ("tests/test_rates.py", "-k", "vector")
MESA_EQUIVALENCE = ("tests/test_equivalence.py", "-k", "HazardRates and agree")
ENGINE_MUTATIONS: tuple[Mutation, ...] = (
    M("mesa: return hazard x1.1", MESA_AGENTS, "Tailor.migrate",
      "if m.streams.migration.random() < p:", "if m.streams.migration.random() < 1.1 * p:",
      MESA_RATES),
    M("mesa: leave hazard x0.9", MESA_AGENTS, "Tailor.migrate",
      "if m.streams.migration.random() < rules.leave_probability(",
      "if m.streams.migration.random() < 0.9 * rules.leave_probability(", MESA_RATES),
    M("mesa: founding hazard x1.1", MESA_AGENTS, "Tailor.consider_founding",
      "if m.streams.founding.random() >= p:", "if m.streams.founding.random() >= 1.1 * p:",
      MESA_RATES),
    M("mesa: founders see plant whatever their zone", MESA_AGENTS, "Tailor.consider_founding",
      'm.founder_view("slots", zone) >= 1,', "True,", MESA_RATES),
    M("mesa: founding hazard x1.5 (issue table)", MESA_AGENTS, "Tailor.consider_founding",
      "if m.streams.founding.random() >= p:", "if m.streams.founding.random() >= 1.5 * p:",
      MESA_RATES),
    M("mesa: investor arrivals x1.1", MESA_MODEL, "_phase_investment",
      "n = self.world.investor_arrivals(len(self.firms), self.env.publicised_levers, g)",
      "n = round(1.1 * self.world.investor_arrivals(len(self.firms), self.env.publicised_levers, "
      "g))",
      MESA_RATES),
    M("mesa: investor acceptance x0.9", MESA_MODEL, "_phase_investment",
      "if g.random() >= stay:", "if g.random() >= 0.9 * stay:", MESA_RATES),
    M("mesa: vacancies x1.1", MESA_MODEL, "_phase_labour",
      "gap = f.target - f.workers", "gap = round(1.1 * (f.target - f.workers))", MESA_RATES),
    # Survives, and is harmless to every count: the firm that cut one worker too many has a gap
    # of one when the same phase fills vacancies, so it hires one back; its net workforce, every
    # count and every measure are unchanged (only who holds that job, and one worker's machine
    # debt, differ). The phase hook sees the state between phases, not within one.
    M("mesa: one firm in ten cuts a worker too many", MESA_MODEL, "_phase_labour",
      "cut = f.workers - f.target",
      "cut = min(f.workers, f.workers - f.target + (f.workers > f.target > 0 == f.unique_id % 10))",
      MESA_RATES),
    M("mesa: exit hazard x1.1", MESA_AGENTS, "Firm.should_exit",
      "self.model.streams.exit.random() < rules.exit_hazard(",
      "self.model.streams.exit.random() < 1.1 * rules.exit_hazard(", MESA_RATES),
    M("mesa: exit hazard x1.5 (issue table)", MESA_AGENTS, "Firm.should_exit",
      "self.model.streams.exit.random() < rules.exit_hazard(",
      "self.model.streams.exit.random() < 1.5 * rules.exit_hazard(", MESA_RATES),
    M("mesa: founding hazard x1.1 (equivalence)", MESA_AGENTS, "Tailor.consider_founding",
      "if m.streams.founding.random() >= p:", "if m.streams.founding.random() >= 1.1 * p:",
      MESA_EQUIVALENCE),
    M("mesa: exit hazard x1.1 (equivalence)", MESA_AGENTS, "Firm.should_exit",
      "self.model.streams.exit.random() < rules.exit_hazard(",
      "self.model.streams.exit.random() < 1.1 * rules.exit_hazard(", MESA_EQUIVALENCE),
    M("vector: return hazard x1.1", VEC_KERNELS, "migrate",
      "if u_back[i] * rm.max_hazard < p_back[i]:",
      "if u_back[i] * rm.max_hazard < 1.1 * p_back[i]:", VEC_RATES),
    M("vector: leave hazard x0.9", VEC_KERNELS, "migrate",
      "if u_leave[j] < p_leave[j]:", "if u_leave[j] < 0.9 * p_leave[j]:", VEC_RATES),
    M("vector: founding hazard x1.1", VEC_MODEL, "_phase_founding",
      "_bernoulli_positions(g, self.status.size, float(joint.sum()))",
      "_bernoulli_positions(g, self.status.size, 1.1 * float(joint.sum()))", VEC_RATES),
    M("vector: investor arrivals x0.9", VEC_MODEL, "_phase_investment",
      "n = world.investor_arrivals(self._alive().size, self.env.publicised_levers, g)",
      "n = round(0.9 * world.investor_arrivals(self._alive().size, self.env.publicised_levers, g))",
      VEC_RATES),
    M("vector: investor acceptance x1.1", VEC_ENTRY, "invest",
      "kept = u[2 * n : 3 * n] < margin_term * labour",
      "kept = u[2 * n : 3 * n] < 1.1 * margin_term * labour", VEC_RATES),
    M("vector: hiring targets x1.1", VEC_KERNELS, "labour_plan",
      "target[i] = rules.hiring_target(workers[i], margin[f], room, kpw, production)",
      "target[i] = round(1.1 * rules.hiring_target(workers[i], margin[f], room, kpw, production))",
      VEC_RATES),
    M("vector: exit hazard x1.1", VEC_KERNELS, "exit_firms",
      "or u[i] < hazard[i]:", "or u[i] < 1.1 * hazard[i]:", VEC_RATES),
)  # fmt: skip
GROUPS = {"rules": MUTATIONS, "engines": ENGINE_MUTATIONS, "all": MUTATIONS + ENGINE_MUTATIONS}


def check_snippets(mutations: tuple[Mutation, ...]) -> list[str]:
    """Problems with the list: a snippet missing or not unique, or a replacement that is a no-op."""
    problems = []
    for m in mutations:
        n = (ROOT / m.file).read_text().count(m.original)
        if n != 1:
            problems.append(f"{m.name}: {m.file} holds {m.original!r} {n} times, not once")
        if m.original == m.replacement:
            problems.append(f"{m.name}: replacement equals the original")
    return problems


def copy_repo(dest: Path) -> None:
    ignore = shutil.ignore_patterns("__pycache__", "*.pyc", ".hypothesis")
    for name in COPY:
        src = ROOT / name
        if src.is_dir():
            shutil.copytree(src, dest / name, ignore=ignore)
        elif src.exists():
            shutil.copy2(src, dest / name)


def run_tests(copy: Path, tests: list[str], timeout: float) -> tuple[str, str, float]:
    """(outcome, first failing test id or note, seconds) of the selection in `copy`."""
    env = {**os.environ, "PYTHONPATH": str(copy), "PYTHONDONTWRITEBYTECODE": "1"}
    cmd = [sys.executable, "-m", "pytest", "-x", "-q", "-p", "no:cacheprovider", "-o",
           "addopts=", "-rfE", *tests]  # fmt: skip
    start = time.perf_counter()
    try:
        proc = subprocess.run(
            cmd, cwd=copy, env=env, capture_output=True, text=True, timeout=timeout
        )
    except subprocess.TimeoutExpired:
        return "timeout", f"> {timeout:.0f} s", time.perf_counter() - start
    seconds = time.perf_counter() - start
    if proc.returncode == 0:
        return "survived", "", seconds
    out = proc.stdout + proc.stderr
    failed = re.search(r"^(?:FAILED|ERROR) (\S+)", out, re.MULTILINE)
    if failed:
        return "killed", failed.group(1), seconds
    last = out.strip().splitlines()[-1] if out.strip() else f"exit {proc.returncode}"
    return "killed", f"(exit {proc.returncode}: {last[:60]})", seconds


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--tests", nargs="+", default=list(DEFAULT_TESTS), help="test selection")
    ap.add_argument("--group", choices=sorted(GROUPS), default="rules",
                    help="rules: the rules and lever support (default); engines: one engine's "
                    "use of a rule, checked by its one-month rate tests; all: both")  # fmt: skip
    ap.add_argument("--only", nargs="+", default=None, help="mutations whose name contains one")
    ap.add_argument("--timeout", type=float, default=300.0, help="seconds per mutation")
    ap.add_argument("--list", action="store_true", help="list the mutations and exit")
    args = ap.parse_args(argv)

    group = GROUPS[args.group]
    problems = check_snippets(group)
    if problems:
        print("mutation list out of step with the code:", *problems, sep="\n  ")
        return 2
    mutations = [m for m in group if args.only is None or any(s in m.name for s in args.only)]
    if args.list:
        for m in mutations:
            print(f"{m.name:50} {Path(m.file).name}:{m.function}")
        return 0

    with tempfile.TemporaryDirectory(prefix="clustersim-mutants-") as tmp:
        copy = Path(tmp)
        copy_repo(copy)
        check = subprocess.run(
            [sys.executable, "-c", "import sim; print(sim.__file__)"],
            cwd=copy, env={**os.environ, "PYTHONPATH": str(copy)},
            capture_output=True, text=True,
        )  # fmt: skip
        if not check.stdout.strip().startswith(str(copy)):
            print(f"the copy's `import sim` resolves to {check.stdout.strip()!r}, not {copy}")
            return 3
        selections = dict.fromkeys(m.tests or tuple(args.tests) for m in mutations)
        for selection in selections:
            outcome, first, seconds = run_tests(copy, list(selection), args.timeout)
            print(f"selection: {' '.join(selection)}")
            state = "passes" if outcome == "survived" else outcome
            print(f"unmutated copy: {state} ({seconds:.1f} s)")
            if outcome != "survived":
                print(f"  first failure: {first}")
                return 3

        rows = []
        header = f"{'mutation':52} {'file:function':34} {'outcome':9} {'s':>5}  first failing test"
        print(header, "-" * len(header), sep="\n", flush=True)
        for m in mutations:
            path = copy / m.file
            source = path.read_text()
            path.write_text(source.replace(m.original, m.replacement))
            try:
                selection = list(m.tests or args.tests)
                outcome, first, seconds = run_tests(copy, selection, args.timeout)
            finally:
                path.write_text(source)
            rows.append((m, outcome))
            where = f"{Path(m.file).name}:{m.function}"
            print(f"{m.name:52} {where:34} {outcome:9} {seconds:5.1f}  {first}", flush=True)

    counts = {k: sum(o == k for _, o in rows) for k in ("killed", "survived", "timeout")}
    print(
        f"\n{len(rows)} mutations: {counts['killed']} killed, {counts['survived']} survived, "
        f"{counts['timeout']} timed out"
    )
    for m, o in rows:
        if o != "killed":
            print(f"  {o}: {m.name} ({Path(m.file).name}:{m.function})")
    return 0


if __name__ == "__main__":
    sys.exit(main())
