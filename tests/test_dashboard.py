"""The live dashboard in a real browser: Debian's headless Chromium driven by Playwright.

Starts `python -m sim dashboard` on a free loopback port, loads the page, moves a lever slider,
rebuilds the model (Reset), steps it and checks that the readout, the map and the plots change.
Screenshots are saved under the test's tmp dir (or $CLUSTERSIM_SCREENSHOTS when set).

Without a Chromium the browser test skips, unless $CLUSTERSIM_REQUIRE_BROWSER is set (CI sets it
in .ci/run): then it fails, so CI cannot pass without having driven the page.
"""

from __future__ import annotations

import contextlib
import os
import re
import shutil
import signal
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
DEBIAN_CHROMIUM = Path("/usr/bin/chromium")
REQUIRE_BROWSER = "CLUSTERSIM_REQUIRE_BROWSER"
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
STEPS = 3


def _browser_required() -> bool:
    return os.environ.get(REQUIRE_BROWSER, "") not in ("", "0")


def _unavailable(reason: str) -> None:
    """Fail when $CLUSTERSIM_REQUIRE_BROWSER is set (CI), skip otherwise."""
    if _browser_required():
        pytest.fail(f"{reason} (and ${REQUIRE_BROWSER} is set, so this is a failure)")
    pytest.skip(reason)


def find_chromium() -> Path | None:
    """The `chromium` on PATH, else Debian's /usr/bin/chromium, else None."""
    found = shutil.which("chromium")
    if found:
        return Path(found)
    return DEBIAN_CHROMIUM if DEBIAN_CHROMIUM.exists() else None


SCENARIOS = sorted((ROOT / "scenarios").glob("*.yaml")) + sorted(
    (ROOT / "scenarios" / "benchmarks").glob("*.yaml")
)


def _defaults(path: Path) -> dict:
    """The slider values a fresh dashboard for `path` starts with (not $CLUSTERSIM_SCENARIO's)."""
    from sim.io.loading import load_scenario
    from sim.viz.dashboard import model_params

    params = model_params(load_scenario(path), path)
    assert params["scenario_path"] == str(path)
    return {k: v["value"] for k, v in params.items() if isinstance(v, dict)}


def _same_run(path: Path, steps: int = 3) -> None:
    """The dashboard model with every slider at its start: the same scenario, seed and
    DataCollector output as ClusterModel(scenario) over `steps` months."""
    from sim.engines.mesa.model import ClusterModel
    from sim.io.loading import load_scenario
    from sim.viz.dashboard import DashboardModel

    dash = DashboardModel(scenario_path=str(path), **_defaults(path))
    ref = ClusterModel(load_scenario(path))
    assert dash.overrides == {}
    assert dash.spec == ref.spec
    for _ in range(steps):
        dash.step()
        ref.step()
    a = dash.datacollector.get_model_vars_dataframe()
    b = ref.datacollector.get_model_vars_dataframe()
    assert len(a) == steps + 1
    assert a.equals(b)


def test_shipped_scenarios_are_all_covered():
    """test_default_sliders_are_the_scenarios_own_run runs on every scenario file under
    scenarios/, at any depth, once each. The files are found here by loading every YAML file
    there, not by SCENARIOS' globs; one that does not load as a scenario must be a sweep file
    (it names a `base` scenario)."""
    from sim.io.errors import InputError
    from sim.io.loading import load_scenario, load_yaml

    marks = test_default_sliders_are_the_scenarios_own_run.pytestmark
    (covered,) = [m.args[1] for m in marks if m.name == "parametrize"]
    shipped, sweeps = [], []
    for path in sorted((ROOT / "scenarios").rglob("*.y*ml")):
        try:
            load_scenario(path)
        except InputError:
            assert "base" in load_yaml(path.read_text()), path
            sweeps.append(path)
        else:
            shipped.append(path)
    assert sorted(covered) == shipped
    assert len(shipped) >= 9 and len(sweeps) >= 3


@pytest.mark.parametrize("path", SCENARIOS, ids=lambda p: p.relative_to(ROOT).as_posix())
def test_default_sliders_are_the_scenarios_own_run(path):
    """Every slider at its start, for every shipped scenario: its own run, even where its values
    are off the sliders' grid or range (cascade: peer weight 200)."""
    _same_run(path)


def test_default_sliders_keep_an_enabled_tiny_budget(tmp_path):
    """A lever enabled with a budget under one slider step (1 yuan) stays on at its own budget,
    and its slider starts off 0 (= off); the start of each slider holds the scenario's value."""
    from sim.io.loading import load_scenario
    from sim.viz.dashboard import KNOB_BY_NAME, model_params

    src = (ROOT / "scenarios/benchmarks/cascade.yaml").read_text()
    assert "burden: {enabled: false" in src
    path = tmp_path / "cascade_burden_on.yaml"
    path.write_text(src.replace("burden: {enabled: false", "burden: {enabled: true"))
    scenario = load_scenario(path)
    assert scenario.levers.burden.enabled and scenario.levers.burden.budget == 1.0
    params = model_params(scenario, path)
    assert params["burden_budget"]["value"] == KNOB_BY_NAME["burden_budget"].step
    peer = params["return_peer"]
    assert peer["min"] <= peer["value"] == 200.0 <= peer["max"]
    _same_run(path, steps=2)


def test_knobs_are_scenario_overrides():
    from sim.viz.dashboard import DashboardModel, knob_overrides

    assert knob_overrides({"financing_budget": 0.0, "tax_cut": 3.0, "plant_pace": None}) == {
        "levers.financing.budget": 0.0,
        "levers.financing.enabled": False,
        "levers.burden.output_tax_cut": 0.03,
    }
    m = DashboardModel(
        scenario_path=str(ROOT / "scenarios/baseline.yaml"),
        rent_relief=70.0,
        agglomeration=5.0,
        seed_offset=2,
    )
    assert m.spec.levers.burden.rent_relief == 0.7
    assert m.spec.behaviour.externalities.localization == 0.05
    assert m.run_seed == m.spec.run.seed + 2


def test_map_draws_cells_and_firms_as_county_map_does():
    """The dashboard's map and sim.viz.county_map of the same run at the same month, both drawn by
    sim.viz.maps.draw_county: the same axes limits, zone rectangles, and firms at the same places
    in the same stage colours (cell (x, y) spans [x, x+1], each firm at its fixed offset within
    it); the dashboard adds the cells with free plant, which a finished run does not keep."""
    from matplotlib.collections import PathCollection
    from matplotlib.colors import to_rgba
    from matplotlib.patches import Rectangle

    from sim import viz
    from sim.experiments.run import RunResult
    from sim.viz.dashboard import DashboardModel, county_figure

    model = DashboardModel(scenario_path=str(ROOT / "scenarios/baseline.yaml"))
    for _ in range(3):
        model.step()
    result = RunResult(
        timeseries=model.datacollector.get_model_vars_dataframe().reset_index(drop=True),
        firms=model.firm_table(),
        scenario=model.spec,
        seed=model.run_seed,
        engine="mesa",
    )
    ours = county_figure(model).axes[0]
    theirs = viz.county_map(result, month=model.month).axes[0]
    assert ours.get_xlim() == theirs.get_xlim() and ours.get_ylim() == theirs.get_ylim()

    def zones(ax) -> list[tuple]:
        return sorted(
            (p.get_x(), p.get_y(), p.get_width(), p.get_height())
            for p in ax.patches
            if isinstance(p, Rectangle)
        )

    assert zones(ours) == zones(theirs) and zones(ours)

    def layer(ax, zorder: float) -> PathCollection:
        (dots,) = [
            c for c in ax.collections if isinstance(c, PathCollection) and c.zorder == zorder
        ]
        return dots

    def firms(ax) -> list[tuple]:
        dots = layer(ax, 3)
        colours = map(tuple, dots.get_facecolors().tolist())
        return sorted(zip(map(tuple, dots.get_offsets().tolist()), colours, strict=True))

    mine = firms(ours)
    assert len(mine) == len(model.firms) > 0
    assert mine == firms(theirs)
    cells = {tuple(f.xy) for f in model.firms}
    assert all((int(x), int(y)) in cells for (x, y), _ in mine)
    stages = model.chain.stages
    colours = {(tuple(f.xy), to_rgba(viz.stage_color(stages[f.stage]))) for f in model.firms}
    assert {((int(x), int(y)), c) for (x, y), c in mine} == colours
    # free plant: one grey square per cell with plant, drawn in ours only
    px, py = model.world.plant.nonzero()
    plant = sorted(map(tuple, layer(ours, 2).get_offsets().tolist()))
    assert plant == sorted(zip((px + 0.5).tolist(), (py + 0.5).tolist(), strict=True))
    assert not [c for c in theirs.collections if c.zorder == 2]


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _solara_assets() -> None:
    """The page's scripts come through Solara's CDN cache: fill it from npm where it lacks them
    (the script does nothing when they are there). Never installs system packages from here
    (--no-install): without npm and the assets, the test skips, or fails under
    $CLUSTERSIM_REQUIRE_BROWSER; .ci/run installs npm and fills the cache before the tests."""
    script = ROOT / ".ci" / "solara-assets.sh"
    done = subprocess.run(
        ["bash", str(script), "--no-install", sys.executable], capture_output=True, text=True
    )
    if done.returncode == 4:  # npm missing
        _unavailable(done.stderr.strip())
    if done.returncode != 0:
        pytest.fail(f"could not fetch Solara's page assets ({script}):\n{done.stderr}")


@pytest.fixture(scope="module")
def chromium() -> Path:
    found = find_chromium()
    if found is None:
        _unavailable(
            "the browser test needs a Chromium: none on PATH nor at /usr/bin/chromium "
            "(apt-get install chromium; .ci/run does)"
        )
    return found


@pytest.fixture(scope="module")
def server(chromium, tmp_path_factory):
    """The dashboard served on a free loopback port (only once a browser is known to exist)."""
    _solara_assets()
    folder = tmp_path_factory.mktemp("dashboard")
    # _free_port's port may be taken again before the server binds it: then try once more
    for attempt in (1, 2):
        port = _free_port()
        url = f"http://127.0.0.1:{port}/"
        log_path = folder / f"server-{attempt}.log"
        proc = _start_server(port, log_path)
        try:
            answered = _wait_for(url, proc, timeout=60)
        except BaseException:
            _stop_server(proc)
            raise
        if answered:
            break
        _stop_server(proc)
        output = log_path.read_text()
        if attempt == 1 and "address already in use" in output:
            continue
        pytest.fail(f"dashboard server did not answer at {url}:\n{output}")
    try:
        yield url
    finally:
        _stop_server(proc)


def _start_server(port: int, log_path: Path) -> subprocess.Popen:
    with log_path.open("w") as log:
        return subprocess.Popen(
            [sys.executable, "-m", "sim", "dashboard", "--host", "127.0.0.1", "--port", str(port)],
            cwd=ROOT,
            stdout=log,
            stderr=subprocess.STDOUT,
            start_new_session=True,  # its own process group, whatever runs under it
        )


def _wait_for(url: str, proc: subprocess.Popen, timeout: float) -> bool:
    """True once `url` answers 200; False when the server exits or `timeout` seconds pass."""
    deadline = time.monotonic() + timeout
    while proc.poll() is None and time.monotonic() < deadline:
        try:
            with urllib.request.urlopen(url, timeout=2) as r:
                if r.status == 200:
                    return True
        except OSError:
            pass
        time.sleep(0.3)
    return False


def _stop_server(proc: subprocess.Popen) -> None:
    with contextlib.suppress(ProcessLookupError):
        os.killpg(proc.pid, signal.SIGTERM)
    try:
        proc.wait(timeout=10)
    except subprocess.TimeoutExpired:
        os.killpg(proc.pid, signal.SIGKILL)
        proc.wait()


def test_cli_server_dies_with_its_process(tmp_path):
    """`python -m sim dashboard`, run from outside the project with no scenario (the default
    does not depend on the working directory): SIGTERM to the process it started stops the
    server, leaving nothing behind in its process group."""
    port = _free_port()
    log_path = tmp_path / "server.log"
    with log_path.open("w") as log:
        proc = subprocess.Popen(
            [sys.executable, "-m", "sim", "dashboard", "--port", str(port)],
            cwd=tmp_path,
            env={**os.environ, "PYTHONPATH": str(ROOT)},
            stdout=log,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
    try:
        url = f"http://127.0.0.1:{port}/"
        assert _wait_for(url, proc, timeout=60), log_path.read_text()
        proc.send_signal(signal.SIGTERM)  # the process only, not its group
        proc.wait(timeout=20)
        deadline = time.monotonic() + 10
        while time.monotonic() < deadline:
            try:
                os.killpg(proc.pid, 0)  # anything left in the group?
            except ProcessLookupError:
                break
            time.sleep(0.2)
        else:
            pytest.fail(f"the dashboard server outlived its process:\n{log_path.read_text()}")
    finally:
        with contextlib.suppress(ProcessLookupError):
            os.killpg(proc.pid, signal.SIGKILL)
        proc.wait()


def _images(page) -> list[str]:
    """The src of every figure in the main area (the map first, then the four plots)."""
    return page.locator("main img").evaluate_all("els => els.map(e => e.src)")


def _readout(page) -> str:
    return page.locator(".fiscal-head").inner_text()


def test_dashboard_sliders_step_map_and_plots(chromium, server, tmp_path):
    from playwright.sync_api import TimeoutError as PlaywrightTimeout
    from playwright.sync_api import expect, sync_playwright

    shots = Path(os.environ.get("CLUSTERSIM_SCREENSHOTS") or tmp_path)
    shots.mkdir(parents=True, exist_ok=True)
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=str(chromium), args=CHROMIUM_ARGS)
        try:
            page = browser.new_page(viewport={"width": 1500, "height": 1500})
            page.set_default_timeout(60_000)
            expect.set_options(timeout=60_000)  # a loaded 2-core machine: page load, steps
            page.goto(server)
            expect(page.locator("#month-readout")).to_have_text(re.compile(r"Month 0 of 120"))
            for label in ("Financing: budget", "Burden: rent relief", "Plant supply: construction",
                          "Agglomeration: gain"):  # fmt: skip
                expect(page.get_by_text(label).first).to_be_visible()
            expect(page.locator("main img")).to_have_count(5)
            page.screenshot(path=shots / "0-loaded.png", full_page=True)

            # a lever slider: financing budget to its maximum, then Reset builds the model anew
            slider = page.locator(".v-slider").filter(has_text="Financing: budget")
            thumb = slider.get_by_role("slider")
            thumb.focus()
            thumb.press("End")
            expect(thumb).to_have_attribute("aria-valuenow", "20")
            page.get_by_role("button", name="Reset").click()
            note = page.locator(".fiscal-note").filter(has_text="Built with")
            expect(note).to_contain_text("Financing: budget 20;")
            budget = page.locator(".fiscal tr").filter(has_text="financing").locator("td").nth(2)
            expect(budget).to_have_text("20.00")
            expect(page.locator("main img")).to_have_count(5)
            before = _images(page)
            page.screenshot(path=shots / "1-lever-moved.png", full_page=True)

            seconds = []
            for month in range(1, STEPS + 1):
                t0 = time.perf_counter()
                page.get_by_role("button", name="Step").click()
                expect(page.locator("#month-readout")).to_have_text(f"Month {month} of 120")
                seconds.append(time.perf_counter() - t0)
            # the figures arrive with the readout, in the same render: wait until every one
            # differs from before (or 30 s pass; the asserts below then say which did not)
            with contextlib.suppress(PlaywrightTimeout):
                page.wait_for_function(
                    """before => {
                        const now = Array.from(document.querySelectorAll('main img'));
                        return now.length === before.length
                            && now.every((img, i) => img.src !== before[i]);
                    }""",
                    arg=before,
                    timeout=30_000,
                )
            after = _images(page)
            page.screenshot(path=shots / "2-stepped.png", full_page=True)
            timing = page.locator("#step-timing").inner_text()
            print(f"\nscreenshots in {shots}; page round trip per step (click to readout): "
                  f"{', '.join(f'{s:.2f}' for s in seconds)} s; {timing}")  # fmt: skip

            assert len(before) == len(after) == 5
            changed = [b != a for b, a in zip(before, after, strict=True)]
            assert changed[0], "the county map did not change after stepping"
            assert all(changed[1:]), f"plots unchanged after stepping: {changed[1:]}"
            cost = page.locator("#cost-total").inner_text()
            assert float(cost.replace(",", "")) > 0, f"no fiscal cost after {STEPS} months"
            assert "Month 3 of 120" in _readout(page)
        finally:
            browser.close()
