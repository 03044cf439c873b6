"""Figures of clustersim: `from sim import viz`, then `viz.trajectories(...)`, `viz.save(...)`.

Three modules, one job each, and this package re-exports their public names:

- `sim.viz.style`: the shared look (rcParams `STYLE` and `style()`, one colour per stage and arm:
  `stage_color`, `arm_color`), `save` (PNG and SVG, atomically) and `PlotError`;
- `sim.viz.charts`: charts of runs and sweeps (`trajectories`, `forest`, `cost_effect`,
  `km_curves`) and the sensitivity panels (`sobol_indices`, `morris`, `index_kind`,
  `short_names`);
- `sim.viz.maps`: the county map (`county_map`, drawn by `draw_county`), `map_small_multiples`,
  `completeness_heatmap` and `animate_map`.

Every figure function returns a matplotlib Figure built without pyplot (safe on a headless
machine and in worker processes; shown inline in Jupyter).

The live Mesa dashboard, `sim.viz.dashboard`, is not imported here: importing `sim.viz` imports
neither Solara nor Mesa. Only `solara run sim.viz.dashboard` (`python -m sim dashboard`) and the
tests import it; it draws its county map with `sim.viz.maps.draw_county`.
"""

from sim.viz.charts import (
    cost_effect,
    forest,
    index_kind,
    k_density,
    km_curves,
    morris,
    short_names,
    sobol_indices,
    trajectories,
)
from sim.viz.maps import (
    animate_map,
    completeness_heatmap,
    county_map,
    draw_county,
    map_small_multiples,
)
from sim.viz.style import (
    ARM_COLORS,
    STAGE_COLORS,
    STYLE,
    PlotError,
    arm_color,
    save,
    stage_color,
    style,
)

__all__ = [
    "ARM_COLORS",
    "STAGE_COLORS",
    "STYLE",
    "PlotError",
    "animate_map",
    "arm_color",
    "completeness_heatmap",
    "cost_effect",
    "county_map",
    "draw_county",
    "forest",
    "index_kind",
    "k_density",
    "km_curves",
    "map_small_multiples",
    "morris",
    "save",
    "short_names",
    "sobol_indices",
    "stage_color",
    "style",
    "trajectories",
]
