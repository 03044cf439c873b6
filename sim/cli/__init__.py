"""Command line: `python -m sim run|validate|levers|sweep|compare|sensitivity|plot|dashboard ...`.

Every command lives in a module of this package (run and validate in `run`, sweep, sensitivity,
compare and levers, plot, dashboard), which registers its parser with `add_commands`; the library
(`sim.core`, `sim.engines`, `sim.measures`, `sim.experiments`, `sim.io`, `sim.viz`) never imports
this package. Input errors print one line naming the file and key, exit with status 2, and write
nothing.
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Sequence

from sim.io.errors import InputError

# the command modules, in the order of `--help`; each is imported when the parser is built
COMMAND_MODULES = ("run", "levers", "compare", "dashboard", "sweep", "sensitivity", "plot")


def build_parser() -> argparse.ArgumentParser:
    import importlib

    parser = argparse.ArgumentParser(prog="python -m sim", description=__doc__.splitlines()[0])
    sub = parser.add_subparsers(dest="command", required=True)
    for name in COMMAND_MODULES:
        importlib.import_module(f"sim.cli.{name}").add_commands(sub)
    return parser


def dispatch(args: argparse.Namespace) -> int:
    """Run a parsed command: input errors become one line on stderr and exit status 2."""
    try:
        return int(args.func(args))
    except InputError as exc:
        print(f"error: {exc.one_line()}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        print("interrupted (a sweep resumes when the same command is run again)", file=sys.stderr)
        return 130
    except BrokenPipeError:  # output piped into `head` and the like: stop quietly
        import os

        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
        return 0


def main(argv: Sequence[str] | None = None) -> int:
    return dispatch(build_parser().parse_args(argv))
