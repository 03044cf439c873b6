"""The live dashboard: a Mesa 3.5 SolaraViz page over the Mesa engine.

`python -m sim dashboard [SCENARIO]` serves this module with `solara run` (the scenario file is
passed in the environment variable CLUSTERSIM_SCENARIO; default scenarios/baseline.yaml). The
page has sliders for the three levers and the most influential behavioural parameters (each one a
dotted scenario override, see `KNOBS`), the county map with firms by stage, live plots from the
model's DataCollector and a readout of the fiscal cost by lever. Sliders take effect on Reset.

`DashboardModel` is a thin `ClusterModel` subclass taking the slider values as keyword arguments,
which is how SolaraViz (re)builds a model; with every slider at its default it is the scenario's
own run (same seed, same results).
"""

from __future__ import annotations

import inspect
import os
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import solara
from matplotlib.figure import Figure
from mesa.visualization import SolaraViz, make_plot_component
from mesa.visualization.utils import update_counter

from sim.core.levers import LEVER_TYPES, lever_sections
from sim.core.scenario import Scenario
from sim.engines.mesa.model import ClusterModel
from sim.io.loading import load_scenario, with_overrides
from sim.viz.maps import draw_county
from sim.viz.style import style

SCENARIO_ENV = "CLUSTERSIM_SCENARIO"
DEFAULT_SCENARIO = Path(__file__).resolve().parents[2] / "scenarios" / "baseline.yaml"
# a lever budget's slider at 0 switches the lever off
LEVER_BUDGET_KEYS = {f"levers.{name}.budget": name for name in LEVER_TYPES}


@dataclass(frozen=True)
class Knob:
    """One slider: the model keyword, its label (with unit), the dotted scenario key it sets and
    the factor from slider units to scenario units (e.g. 1e6 for million yuan)."""

    name: str
    label: str
    key: str
    scale: float
    lo: float
    hi: float
    step: float

    def to_scenario(self, value: float) -> float:
        # divide by 100 rather than multiply by 0.01: 7 / 100 == 0.07, 7 * 0.01 != 0.07
        return value * self.scale if self.scale >= 1 else value / round(1 / self.scale)

    def scenario_value(self, scenario: Scenario) -> float:
        """The scenario's own value in slider units (a disabled lever as a zero budget)."""
        lever = LEVER_BUDGET_KEYS.get(self.key)
        if lever is not None and not getattr(scenario.levers, lever).enabled:
            return 0.0
        return _get(scenario, self.key) / self.scale

    def slider_value(self, scenario: Scenario) -> float:
        """The slider's starting position for `scenario`: its own value on the slider's grid.
        An enabled lever never starts at 0 (= off): a budget under one step starts at one step."""
        value = self.scenario_value(scenario)
        on_grid = float(round(value / self.step) * self.step)
        if on_grid == 0 and value > 0 and self.key in LEVER_BUDGET_KEYS:
            on_grid = self.step
        return on_grid

    def slider_range(self, scenario: Scenario) -> tuple[float, float]:
        """The slider's range, widened where needed to hold the scenario's own value."""
        start = self.slider_value(scenario)
        return min(self.lo, start), max(self.hi, start)


# fmt: off
KNOBS = (
    # financing: credit access and cost
    Knob("financing_budget", "Financing: budget (M yuan, 0 = off)",
         "levers.financing.budget", 1e6, 0.0, 20.0, 0.5),
    Knob("interest_subsidy", "Financing: interest subsidy (points/yr)",
         "levers.financing.rate_subsidy", 0.01, 0.0, 4.0, 0.25),
    Knob("founder_credit_cap", "Financing: founder loan cap (k yuan)",
         "levers.financing.founder_credit_cap", 1e3, 0.0, 1000.0, 50.0),
    # burden reduction: taxes, fees, rent
    Knob("burden_budget", "Burden: budget (M yuan, 0 = off)",
         "levers.burden.budget", 1e6, 0.0, 20.0, 0.5),
    Knob("tax_cut", "Burden: output tax and fee cut (points)",
         "levers.burden.output_tax_cut", 0.01, 0.0, 3.0, 0.25),
    Knob("rent_relief", "Burden: rent relief (% of rent)",
         "levers.burden.rent_relief", 0.01, 0.0, 100.0, 5.0),
    # plant supply: standard factory space
    Knob("plant_budget", "Plant supply: budget (M yuan, 0 = off)",
         "levers.plant_supply.budget", 1e6, 0.0, 30.0, 1.0),
    Knob("plant_pace", "Plant supply: construction (m²/month)",
         "levers.plant_supply.m2_per_month", 1.0, 0.0, 3000.0, 100.0),
    # behaviour: the parameters the outcomes are most sensitive to
    Knob("return_peer", "Return: peer-effect weight (logit units)",
         "behaviour.return_migration.peer", 1.0, 0.0, 8.0, 0.5),
    Knob("return_income_gap", "Return: income-gap weight (logit units)",
         "behaviour.return_migration.income_gap", 1.0, 0.0, 10.0, 0.5),
    Knob("founding_max", "Founding: max probability (%/month)",
         "behaviour.entrepreneurship.max_hazard", 0.01, 0.0, 5.0, 0.1),
    Knob("agglomeration", "Agglomeration: gain per log(1+firms) (%)",
         "behaviour.externalities.localization", 0.01, 0.0, 10.0, 0.5),
    Knob("increasing_returns", "Location: increasing-returns exponent",
         "behaviour.location.increasing_returns", 1.0, 0.0, 2.0, 0.1),
)
# fmt: on
KNOB_BY_NAME = {k.name: k for k in KNOBS}


def _get(scenario: Scenario, dotted: str) -> float:
    node: Any = scenario
    for part in dotted.split("."):
        node = getattr(node, part)
    return float(node)


def served_scenario() -> Path:
    """The scenario the dashboard serves: $CLUSTERSIM_SCENARIO or the baseline."""
    return Path(os.environ.get(SCENARIO_ENV) or DEFAULT_SCENARIO)


def knob_overrides(values: dict[str, float | None]) -> dict[str, Any]:
    """Slider values (None = the scenario's own) as dotted scenario overrides; a budget slider
    also switches its lever on (> 0) or off (0)."""
    out: dict[str, Any] = {}
    for name, value in values.items():
        if value is None:
            continue
        knob = KNOB_BY_NAME[name]
        out[knob.key] = knob.to_scenario(float(value))
        lever = LEVER_BUDGET_KEYS.get(knob.key)
        if lever is not None:
            out[f"levers.{lever}.enabled"] = bool(value > 0)
    return out


def moved_knobs(scenario: Scenario, values: dict[str, float | None]) -> dict[str, float | None]:
    """The slider values with those left at their starting position for `scenario` as None:
    a slider only rounds the scenario's value onto its grid (a budget of 1 yuan shows as 0.5 M,
    a weight of 7.3 as 7.5), so at its start it stands for the scenario's own value, exact."""
    return {
        name: None
        if value is not None and float(value) == KNOB_BY_NAME[name].slider_value(scenario)
        else value
        for name, value in values.items()
        if name in KNOB_BY_NAME
    }


class DashboardModel(ClusterModel):
    """A ClusterModel built from a scenario file and the dashboard's slider values.

    Keyword arguments: `scenario_path`, `seed_offset` (added to the scenario's seed) and one per
    knob in KNOBS (in slider units; None, or the slider's starting position, keeps the
    scenario's own value, see `moved_knobs`). Times each step and stops at the scenario's
    horizon.
    """

    def __init__(
        self, scenario_path: str | None = None, seed_offset: int = 0, **knobs: float | None
    ) -> None:
        unknown = set(knobs) - set(KNOB_BY_NAME)
        if unknown:
            raise TypeError(f"unknown dashboard parameters: {sorted(unknown)}")
        base = load_scenario(scenario_path or served_scenario())
        self.overrides = knob_overrides(moved_knobs(base, knobs))
        scenario = with_overrides(base, self.overrides) if self.overrides else base
        self.step_seconds: list[float] = []
        self.run_seed = scenario.run.seed + int(seed_offset)
        super().__init__(scenario, seed=self.run_seed)

    def step(self) -> None:
        t0 = time.perf_counter()
        super().step()
        self.step_seconds.append(time.perf_counter() - t0)
        if self.month >= self.spec.run.months:
            self.running = False


# SolaraViz checks the model parameters against the constructor's signature and passes a Mesa
# `scenario` to constructors taking **kwargs; spell out the real keyword parameters instead.
DashboardModel.__init__.__signature__ = inspect.Signature(
    [
        inspect.Parameter("self", inspect.Parameter.POSITIONAL_OR_KEYWORD),
        inspect.Parameter("scenario_path", inspect.Parameter.KEYWORD_ONLY, default=None),
        inspect.Parameter("seed_offset", inspect.Parameter.KEYWORD_ONLY, default=0),
        *(inspect.Parameter(k.name, inspect.Parameter.KEYWORD_ONLY, default=None) for k in KNOBS),
    ]
)


def model_params(scenario: Scenario, path: Path) -> dict[str, Any]:
    """SolaraViz model_params: the scenario path (fixed), a seed slider and one slider per knob,
    each starting at the scenario's own value (on the slider's grid; the range widened to hold
    it). A model built from these defaults is the scenario's own run."""
    params: dict[str, Any] = {
        "scenario_path": str(path),
        "seed_offset": {
            "type": "SliderInt",
            "label": f"Seed: {scenario.run.seed} + n",
            "value": 0,
            "min": 0,
            "max": 50,
            "step": 1,
        },
    }
    for k in KNOBS:
        lo, hi = k.slider_range(scenario)
        params[k.name] = {
            "type": "SliderFloat",
            "label": k.label,
            "value": k.slider_value(scenario),
            "min": lo,
            "max": hi,
            "step": k.step,
        }
    return params


# ----------------------------------------------------------------------------------- components
def county_figure(model: ClusterModel) -> Figure:
    """The live county map, drawn by sim.viz.maps.draw_county as sim.viz.county_map draws a
    finished run: zones filled by kind and labelled, cells with free standard plant as grey
    squares, the living firms as dots coloured by stage, sized by their workers now and set at
    their cell's corner plus the fixed per-firm offset (cell (x, y) spans [x, x+1] x [y, y+1]).
    Tailors are not drawn."""
    firms = model.firm_table()
    living = firms[firms["died"] < 0]
    with style():
        fig = Figure(figsize=(7.0, 5.0), layout="constrained")
        ax = fig.add_subplot()
        draw_county(
            ax,
            model.spec.space,
            living,
            model.month,
            stages=model.chain.stages,
            plant=model.world.plant,
            sizes_at=f"month {model.month}",
            legend=True,
            source="model.firm_table()",
        )
        ax.set_xlabel("x (cells)")
        ax.set_ylabel("y (cells)")
        ax.set_title(
            f"County, month {model.month}: {len(living)} firms (dot size ~ workers)", fontsize=10
        )
    return fig


@solara.component
def CountyMap(model: DashboardModel):
    """The county map (`county_figure`), redrawn at every step."""
    update_counter.get()
    solara.FigureMatplotlib(county_figure(model), format="png", bbox_inches="tight")


def _million(v: float) -> str:
    return f"{v / 1e6:,.2f}"


@solara.component
def FiscalReadout(model: DashboardModel):
    """Gross fiscal cost by lever so far (`cost_<lever>`: within its budget and beyond it)
    against its budget, the month, the slider values the model was built with, and the step
    timing. Plain HTML: solara.Markdown would fetch KaTeX and Mermaid from a CDN."""
    update_counter.get()
    c = model.current
    rows = [
        (name.replace("_", " "), f"cost_{name}", lever)
        for name, lever in lever_sections(model.spec.levers)
    ]
    cells = "".join(
        f"<tr><td>{label}</td><td class='num'>{_million(c[key])}</td>"
        f"<td class='num'>{_million(lv.budget) if lv.enabled else 'off'}</td></tr>"
        for label, key, lv in rows
    )
    total_budget = sum(lv.budget for _, _, lv in rows if lv.enabled)
    steps = model.step_seconds
    timing = (
        f"model step: last {1e3 * steps[-1]:.0f} ms, mean {1e3 * np.mean(steps):.0f} ms "
        f"over {len(steps)} steps"
        if steps
        else "not stepped yet"
    )
    knobs = "; ".join(f"{k.label.split(' (')[0]} {k.scenario_value(model.spec):g}" for k in KNOBS)
    html = f"""
<style>
  .fiscal td, .fiscal th {{ padding: 2px 10px; border-bottom: 1px solid #ddd; }}
  .fiscal .num {{ text-align: right; font-variant-numeric: tabular-nums; }}
  .fiscal-note {{ color: #555; font-size: 0.85em; margin-top: 6px; }}
</style>
<div class="fiscal-head"><b id="month-readout">Month {model.month} of {model.spec.run.months}</b>
  &middot; firms {c["firms"]:.0f} &middot; tailors home {c["tailors_home"]:.0f}
  &middot; chain completeness {c["chain_completeness"]:.2f}</div>
<table class="fiscal">
  <tr><th>lever (million yuan)</th><th>cost</th><th>budget</th></tr>
  {cells}
  <tr><td><b>total</b></td><td class="num" id="cost-total"><b>{_million(c["cost_total"])}</b></td>
      <td class="num">{_million(total_budget)}</td></tr>
</table>
<div class="fiscal-note" id="step-timing">{timing}</div>
<div class="fiscal-note">Built with: {knobs}; seed {model.run_seed}.</div>
<div class="fiscal-note">Move sliders, then press <b>Reset</b> to rebuild the model with them.</div>
"""
    solara.HTML(tag="div", unsafe_innerHTML=html)


def _labelled(title: str, ylabel: str):
    def post(ax) -> None:
        ax.figure.set_size_inches(6.4, 3.4)  # wide and low: four fit below the map
        ax.set_xlim(0, _BASE.run.months)  # the whole horizon, so a curve grows into its frame
        for line in ax.lines:  # month 0 is a single point: show it
            if len(line.get_xdata()) < 2:
                line.set_marker("o")
        ax.set_title(title, fontsize=10)
        ax.set_ylabel(ylabel)
        ax.grid(alpha=0.3)

    return post


PLOTS = [
    make_plot_component("firms", post_process=_labelled("Firms alive", "firms")),
    make_plot_component(
        "tailors_home", post_process=_labelled("Returned tailors (home)", "tailors")
    ),
    make_plot_component(
        "chain_completeness",
        post_process=_labelled("Chain completeness (share of chain links local)", "share"),
    ),
    make_plot_component(
        "eg_gamma_cluster",
        post_process=_labelled("Ellison-Glaeser gamma of the cluster (blocks)", "gamma"),
    ),
]

_PATH = served_scenario()
_BASE = load_scenario(_PATH)
MODEL_PARAMS = model_params(_BASE, _PATH)


@solara.component
def Panels(model: DashboardModel):
    """The main area: map and fiscal readout, then the four plots, two by two."""
    with solara.Column(style={"width": "100%"}):
        with solara.Columns([3, 2]):
            with solara.Card(margin=0):
                CountyMap(model)
            with solara.Card("Fiscal cost by lever", margin=0):
                FiscalReadout(model)
        for row in (PLOTS[:2], PLOTS[2:]):
            with solara.Columns([1, 1]):
                for make, _page in row:
                    with solara.Card(margin=0):
                        make(model)


# Sliders: the label on its own line above the track, and the value always shown on the thumb
# (SolaraViz puts long labels beside a narrow track and shows values only while dragging).
SLIDER_CSS = """
.v-slider.v-input--horizontal { grid-template-areas: "prepend" "control"; display: grid;
  grid-template-columns: minmax(0, 1fr); }
.v-slider.v-input--horizontal .v-input__prepend { margin-inline-end: 0; margin-bottom: 0; }
.v-slider.v-input--horizontal .v-input__control { margin-top: 26px; }
.v-slider .v-slider-thumb__label-container { display: block !important; }
.v-slider .v-slider-thumb__label { font-size: 11px; }
"""


@solara.component
def Page():
    """SolaraViz's sidebar (controls, sliders) over one model per browser session, and our own
    panels in the main area: SolaraViz lays its components out with a draggable grid whose
    script (vue-grid-layout 2) does not run on the Vue 3 front end installed with Solara here."""
    first = solara.use_memo(lambda: DashboardModel(scenario_path=str(_PATH)), [])
    model = solara.use_reactive(first)
    solara.Style(SLIDER_CSS)
    SolaraViz(
        model,
        components=[],
        model_params=MODEL_PARAMS,
        name=f"clustersim dashboard: {_BASE.name} ({_PATH.name})",
    )
    Panels(model.value)
