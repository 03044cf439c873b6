"""`python -m sim dashboard [SCENARIO] [--host H] [--port P]`: the live Mesa dashboard
(`sim.viz.dashboard`) served by Solara."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path
from typing import Any

from sim.io.loading import load_scenario


def cmd_dashboard(args: argparse.Namespace) -> int:
    """Serve sim/viz/dashboard.py with `solara run`, the scenario named in the environment (none:
    the dashboard's own default, sim.viz.dashboard.DEFAULT_SCENARIO). The server replaces this
    process (exec), so a signal to it (Ctrl-C, SIGTERM) stops the server itself: no parent to
    outlive, no child to orphan."""
    import os

    env = dict(os.environ)
    if args.scenario is None:
        env.pop("CLUSTERSIM_SCENARIO", None)
        what = "the default scenario (scenarios/baseline.yaml)"
    else:
        load_scenario(args.scenario)  # a bad file is one line and status 2, before any server
        env["CLUSTERSIM_SCENARIO"] = str(Path(args.scenario).resolve())
        what = args.scenario
    host = f"[{args.host}]" if ":" in args.host else args.host
    print(f"dashboard for {what}: http://{host}:{args.port}/ (Ctrl-C stops it)", flush=True)
    command = [sys.executable, "-m", "solara", "run", "sim.viz.dashboard", "--production",
               "--no-open", "--host", args.host, "--port", str(args.port)]  # fmt: skip
    sys.stderr.flush()
    os.execve(sys.executable, command, env)


def add_commands(sub: Any) -> None:
    p = sub.add_parser("dashboard", help="the live dashboard (Mesa SolaraViz) in a browser")
    p.add_argument(
        "scenario",
        nargs="?",
        default=None,
        help="scenario YAML (default: the dashboard's, the project's scenarios/baseline.yaml)",
    )
    p.add_argument("--host", default="127.0.0.1", help="address to serve on (default loopback)")
    p.add_argument("--port", type=int, default=8765)
    p.set_defaults(func=cmd_dashboard)
