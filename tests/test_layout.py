"""The package's layout holds (docs/architecture.md): the subpackages of `sim` import one another
in one direction only, no library module imports the command line, and the vector engine runs
without Mesa or Solara.

The imports are read from the source (every `import` and `from ... import`, at module level or
inside a function, since a lazy import is still a dependency), not by importing, so a cycle that
only a rarely taken branch would close is caught too. Imports under `if TYPE_CHECKING:` are type
hints, not dependencies at run time, and are left out.
"""

from __future__ import annotations

import ast
import subprocess
import sys
from collections import defaultdict
from pathlib import Path

import pytest

from tests.conftest import ROOT

SIM = ROOT / "sim"
# the layers, lowest first: a subpackage may import those before it, never those after it
# (io reads YAML into the schema of core; core, the model itself, reads no file)
LAYERS = ("core", "io", "measures", "engines", "experiments", "viz", "cli")
ENTRY_POINT = "sim.__main__"  # `python -m sim`: the command line's own entry


def module_name(path: Path) -> str:
    parts = path.relative_to(ROOT).with_suffix("").parts
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def _type_checking_lines(tree: ast.Module) -> set[int]:
    lines: set[int] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.If) and "TYPE_CHECKING" in ast.unparse(node.test):
            for sub in node.body:
                lines.update(range(sub.lineno, (sub.end_lineno or sub.lineno) + 1))
    return lines


def imports_of(path: Path) -> set[str]:
    """The `sim` modules (and packages) that a file imports, by their dotted names."""
    tree = ast.parse(path.read_text(encoding="utf-8"))
    hints = _type_checking_lines(tree)
    package = (
        module_name(path) if path.name == "__init__.py" else module_name(path).rpartition(".")[0]
    )
    out: set[str] = set()
    for node in ast.walk(tree):
        if getattr(node, "lineno", None) in hints:
            continue
        if isinstance(node, ast.Import):
            out.update(a.name for a in node.names if a.name.split(".")[0] == "sim")
        elif isinstance(node, ast.ImportFrom):
            if node.level:  # relative: resolve against the file's package
                base = package.split(".")[: len(package.split(".")) - node.level + 1]
                mod = ".".join([*base, node.module] if node.module else base)
            else:
                mod = node.module or ""
            if mod.split(".")[0] != "sim":
                continue
            out.add(mod)
            for a in node.names:  # `from sim.core import rules` imports the module sim.core.rules
                if (SIM.parent / Path(*f"{mod}.{a.name}".split("."))).with_suffix(".py").exists():
                    out.add(f"{mod}.{a.name}")
    return out


def import_graph() -> dict[str, set[str]]:
    return {module_name(p): imports_of(p) for p in sorted(SIM.rglob("*.py"))}


def subpackage(module: str) -> str:
    """`sim.core.rules` -> `core`; the package `sim` itself (its public API) -> `sim`."""
    parts = module.split(".")
    return parts[1] if len(parts) > 1 else "sim"


def cycles(graph: dict[str, set[str]]) -> list[list[str]]:
    """The strongly connected components with more than one node (Tarjan's algorithm)."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    found: list[list[str]] = []

    def visit(v: str) -> None:
        index[v] = low[v] = len(index)
        stack.append(v)
        on_stack.add(v)
        for w in graph.get(v, ()):
            if w not in index:
                visit(w)
                low[v] = min(low[v], low[w])
            elif w in on_stack:
                low[v] = min(low[v], index[w])
        if low[v] == index[v]:
            comp = []
            while True:
                w = stack.pop()
                on_stack.discard(w)
                comp.append(w)
                if w == v:
                    break
            if len(comp) > 1:
                found.append(sorted(comp))

    for v in sorted(graph):
        if v not in index:
            visit(v)
    return found


def subpackage_graph() -> dict[str, set[str]]:
    edges: dict[str, set[str]] = defaultdict(set)
    for module, targets in import_graph().items():
        for target in targets:
            a, b = subpackage(module), subpackage(target)
            if a != b:
                edges[a].add(b)
    return edges


def test_the_reader_sees_real_imports():
    # the checks below are only as good as the import reader: it must see lazy imports,
    # `from package import module` and skip TYPE_CHECKING blocks
    graph = import_graph()
    assert "sim.core.rules" in graph["sim.engines.mesa.agents"]
    assert "sim.engines.vector.compiled_rules" in graph["sim.engines.vector.kernels"]
    assert "sim.engines.vector.model" in graph["sim.engines"]  # a lazy import in make_model
    assert "sim.engines.mesa.model" not in graph["sim.engines.mesa.agents"]  # a type hint only
    assert cycles({"a": {"b"}, "b": {"c"}, "c": {"a"}, "d": {"a"}}) == [["a", "b", "c"]]


def test_no_import_cycle_between_subpackages():
    assert cycles(subpackage_graph()) == []


def test_subpackages_import_only_lower_layers():
    wrong = [
        f"sim.{a} imports sim.{b}"
        for a, targets in subpackage_graph().items()
        for b in targets
        if a in LAYERS and b in LAYERS and LAYERS.index(b) > LAYERS.index(a)
    ]
    assert wrong == [], f"against the layers {' < '.join(LAYERS)}: {wrong}"


def test_no_library_module_imports_the_command_line():
    offenders = [
        f"{module} imports {target}"
        for module, targets in import_graph().items()
        if subpackage(module) != "cli" and module != ENTRY_POINT
        for target in targets
        if subpackage(target) == "cli"
    ]
    assert offenders == []


def test_no_import_cycle_between_modules():
    # within a subpackage too, except the Mesa agents and model, which refer to each other for
    # type hints only (checked above: the reader leaves TYPE_CHECKING imports out)
    assert cycles(import_graph()) == []


@pytest.mark.parametrize(
    ("module", "absent"),
    [
        ("sim.engines.vector.model", ("mesa", "solara")),
        ("sim", ("mesa", "solara", "numba")),
        ("sim.viz", ("solara",)),
    ],
)
def test_importing_does_not_pull_in(module, absent):
    code = f"import sys, {module}; print(' '.join(m for m in {absent!r} if m in sys.modules))"
    out = subprocess.run(
        [sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True, check=True
    ).stdout.strip()
    assert out == "", f"importing {module} imports {out}"
