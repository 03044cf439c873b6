"""Generate the parameter table of the ODD (docs/model.md) from the scenario schema.

The schema in `sim.core.scenario` is the single source of truth for parameters: their types, bounds,
defaults and, in a trailing ``# comment`` on each field's line, their meaning and source. This
module walks `Scenario` recursively and renders one Markdown row per leaf field:

* the dotted key path as written in a scenario file (items of a list of sections, such as
  ``space.zones``, are documented once, by their item model, with ``[]`` in the path);
* the type and the bounds, read from the pydantic field metadata;
* the default (or the result of its ``default_factory``), rendered compactly in YAML flow style;
* the description, read from the comments next to the field in the schema's source file.

``update_doc`` writes the table between the markers ``<!-- params:start -->`` and
``<!-- params:end -->`` of docs/model.md; ``python -m sim.cli.paramdoc`` does that in place
(``--check`` only reports whether the table is stale, for CI).
"""

from __future__ import annotations

import argparse
import ast
import inspect
import io
import re
import sys
import tokenize
import types
import typing
from collections.abc import Iterator
from dataclasses import dataclass
from functools import cache
from pathlib import Path
from typing import Any

from pydantic import BaseModel
from pydantic.fields import FieldInfo
from pydantic_core import PydanticUndefined

from sim.core.scenario import Scenario

START = "<!-- params:start -->"
END = "<!-- params:end -->"
REPO_ROOT = Path(__file__).resolve().parents[2]
DEFAULT_DOC = "docs/model.md"
MAX_DEFAULT_CHARS = 80  # longer defaults (dicts, long lists) are abbreviated

# Descriptions for leaves whose schema line has no comment and whose class has no docstring.
# A comment added to the field in sim/core/scenario.py takes precedence over these.
FALLBACK_NOTES: dict[str, str] = {
    "run.seed": "root seed of the run's SeedSequence (one stream per submodel, sim.core.streams)",
    "space.width": "grid width in cells (x)",
    "space.height": "grid height in cells (y)",
    "population.initial_home_share": "share of tailors already home (jobless) at month 0",
    "population.skill_beta": "Beta(a, b) parameters of tailor skill in [0, 1]",
    "population.initial_firms[].stage": "value-chain stage of this group of incumbent firms",
    "population.initial_firms[].zone": "zone the group's firms are placed in (uniform over cells)",
    "population.initial_firms[].count": "number of incumbent firms in the group",
    "behaviour.exit.enabled": "switch firm exit on or off (off in the urn benchmarks)",
}


@dataclass(frozen=True)
class Param:
    """One leaf parameter of the schema, as shown in a row of the table."""

    path: str  # dotted key path, `[]` marking the items of a list of sections
    group: str  # path of the section the parameter belongs to ("" for the top level)
    type: str
    bounds: str
    default: str
    description: str


# --------------------------------------------------------------------------------- comments
def field_comments(source: str) -> dict[tuple[str, str], str]:
    """Map (class name, field name) to the comment text attached to the field in `source`.

    A field's comment is any trailing ``# comment`` on the lines of its annotated assignment
    (continuation lines included). A block of comment-only lines between two statements belongs
    to the field right below it, unless that field has its own trailing comment: then it belongs
    to the field right above it (a note continuing that field), when the block touches it.
    """
    trailing: dict[int, str] = {}
    standalone: dict[int, str] = {}
    for tok in tokenize.generate_tokens(io.StringIO(source).readline):
        if tok.type != tokenize.COMMENT:
            continue
        text = tok.string.lstrip("#").strip()
        row, col = tok.start
        before = tok.line[:col]
        (trailing if before.strip() else standalone)[row] = text

    out: dict[tuple[str, str], str] = {}
    for node in ast.walk(ast.parse(source)):
        if not isinstance(node, ast.ClassDef):
            continue
        stmts = node.body
        own: dict[int, list[str]] = {}  # index of a field statement -> its comment parts
        for i, stmt in enumerate(stmts):
            if _field_name(stmt) is not None:
                end = stmt.end_lineno or stmt.lineno
                parts = [trailing[r] for r in range(stmt.lineno, end + 1) if r in trailing]
                own[i] = parts
        for i in range(len(stmts) + 1):
            prev = stmts[i - 1] if i > 0 else None
            nxt = stmts[i] if i < len(stmts) else None
            lo = (prev.end_lineno or prev.lineno) + 1 if prev is not None else node.lineno + 1
            hi = _first_line(nxt) - 1 if nxt is not None else (node.end_lineno or node.lineno)
            block = _block_before(standalone, hi, lo) if nxt is not None else []
            if block and i in own and not own[i]:
                own[i] = block + own[i]
                continue
            after = _block_after(standalone, lo, hi) if prev is not None else []
            if after and (i - 1) in own and not own[i - 1]:
                own[i - 1] = own[i - 1] + after
        for i, parts in own.items():
            name = _field_name(stmts[i])
            if name is not None and parts:
                out[(node.name, name)] = " ".join(parts)
    return out


def _field_name(stmt: ast.stmt) -> str | None:
    """The field name of an annotated assignment in a class body, else None."""
    if isinstance(stmt, ast.AnnAssign) and isinstance(stmt.target, ast.Name):
        return stmt.target.id
    return None


def _first_line(stmt: ast.stmt) -> int:
    """First source line of a statement, decorators included."""
    decorators = getattr(stmt, "decorator_list", [])
    return min([stmt.lineno, *(d.lineno for d in decorators)])


def _block_before(standalone: dict[int, str], last: int, first: int) -> list[str]:
    """Comment-only lines ending exactly at `last` (touching the next statement)."""
    rows: list[str] = []
    row = last
    while row >= first and row in standalone:
        rows.insert(0, standalone[row])
        row -= 1
    return rows


def _block_after(standalone: dict[int, str], first: int, last: int) -> list[str]:
    """Comment-only lines starting exactly at `first` (touching the previous statement)."""
    rows: list[str] = []
    row = first
    while row <= last and row in standalone:
        rows.append(standalone[row])
        row += 1
    return rows


@cache
def _comments_of_file(path: str) -> dict[tuple[str, str], str]:
    return field_comments(Path(path).read_text(encoding="utf-8"))


def _defining_class(model: type[BaseModel], name: str) -> type[BaseModel]:
    """The class in `model`'s MRO whose body declares the field `name`."""
    for cls in model.__mro__:
        if isinstance(cls, type) and name in inspect.get_annotations(cls):
            return cls
    return model


def _docstring_line(cls: type) -> str:
    """First line of a class's own docstring ("" when it has none)."""
    doc = cls.__dict__.get("__doc__") or ""
    lines = doc.strip().splitlines()
    return lines[0].strip() if lines else ""


def _description(model: type[BaseModel], name: str, path: str) -> str:
    """The comment next to the field where it is declared; else the first docstring line of the
    declaring class (or of `model`); else a fallback note; else ""."""
    owner = _defining_class(model, name)
    module = sys.modules.get(owner.__module__)
    file = getattr(module, "__file__", None)
    if file:
        text = _comments_of_file(file).get((owner.__qualname__, name))
        if text:
            return text
    return _docstring_line(owner) or _docstring_line(model) or FALLBACK_NOTES.get(path, "")


# --------------------------------------------------------------------------------- types
def _unwrap(annotation: Any) -> tuple[Any, list[Any]]:
    """Strip `Annotated[...]` layers: the bare type and the constraint objects found."""
    constraints: list[Any] = []
    while typing.get_origin(annotation) is typing.Annotated:
        base, *meta = typing.get_args(annotation)
        for m in meta:
            constraints.extend(m.metadata if isinstance(m, FieldInfo) else [m])
        annotation = base
    return annotation, constraints


def _num(value: Any) -> str:
    return f"{value:g}" if isinstance(value, float) else str(value)


def _bounds(constraints: list[Any]) -> str:
    """Human bounds from pydantic / annotated-types constraint objects."""
    c: dict[str, Any] = {}
    for m in constraints:
        for key in ("ge", "gt", "le", "lt", "min_length", "max_length", "pattern"):
            value = getattr(m, key, None)
            if value is not None:
                c[key] = value
    parts: list[str] = []
    low = ("[", c["ge"]) if "ge" in c else ("(", c["gt"]) if "gt" in c else None
    high = ("]", c["le"]) if "le" in c else (")", c["lt"]) if "lt" in c else None
    if low and high:
        parts.append(f"{low[0]}{_num(low[1])}, {_num(high[1])}{high[0]}")
    elif low:
        parts.append(f"{'>=' if low[0] == '[' else '>'} {_num(low[1])}")
    elif high:
        parts.append(f"{'<=' if high[0] == ']' else '<'} {_num(high[1])}")
    lo_len, hi_len = c.get("min_length"), c.get("max_length")
    if lo_len is not None and lo_len == hi_len:
        parts.append(f"length {lo_len}")
    elif lo_len is not None and hi_len is not None:
        parts.append(f"length {lo_len}..{hi_len}")
    elif lo_len is not None:
        parts.append(f"length >= {lo_len}")
    elif hi_len is not None:
        parts.append(f"length <= {hi_len}")
    if "pattern" in c:
        parts.append(f"pattern `{c['pattern']}`")
    return ", ".join(parts)


def _inner(what: str, bounds: str) -> str:
    """Bounds of list items or dict values: "items in [0, 1]", "values >= 0"."""
    if not bounds:
        return ""
    return f"{what} in {bounds}" if bounds[0] in "[(" else f"{what} {bounds}"


def _describe_type(annotation: Any, constraints: list[Any]) -> tuple[str, str]:
    """(type text, bounds text) of a leaf annotation, item bounds included."""
    ann, more = _unwrap(annotation)
    own = _bounds([*constraints, *more])
    origin, args = typing.get_origin(ann), typing.get_args(ann)
    if origin in (typing.Union, types.UnionType):
        real = [a for a in args if a is not type(None)]
        texts = [_describe_type(a, []) for a in real]
        type_text = " or ".join(t for t, _ in texts)
        if len(real) < len(args):
            type_text += " or null"
        inner = "; ".join(b for _, b in texts if b)
        return type_text, "; ".join(b for b in (own, inner) if b)
    if origin is typing.Literal:
        return "one of " + ", ".join(str(a) for a in args), own
    if origin is list:
        item_type, item_bounds = _describe_type(args[0], [])
        inner = _inner("items", item_bounds)
        return f"list[{item_type}]", "; ".join(b for b in (own, inner) if b)
    if origin is dict:
        key_type, _ = _describe_type(args[0], [])
        value_type, value_bounds = _describe_type(args[1], [])
        nested = value_bounds.startswith("values ")  # dict of dicts: keep the innermost bounds
        inner = value_bounds if nested else _inner("values", value_bounds)
        return f"dict[{key_type}, {value_type}]", "; ".join(b for b in (own, inner) if b)
    name = getattr(ann, "__name__", str(ann))
    return name, own


def _sub_model(annotation: Any) -> tuple[type[BaseModel] | None, bool]:
    """The section model a field holds (directly, optionally or as list items), and whether the
    field is a list of such sections."""
    ann, _ = _unwrap(annotation)
    origin, args = typing.get_origin(ann), typing.get_args(ann)
    if isinstance(ann, type) and issubclass(ann, BaseModel):
        return ann, False
    if origin in (typing.Union, types.UnionType):
        for a in args:
            model, is_list = _sub_model(a)
            if model is not None:
                return model, is_list
    if origin is list and args:
        model, _ = _sub_model(args[0])
        if model is not None:
            return model, True
    return None, False


# --------------------------------------------------------------------------------- defaults
def _flow(value: Any) -> str:
    """A value in YAML flow style (what one would write in a scenario file)."""
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, str):
        return value if re.fullmatch(r"[A-Za-z_][\w.-]*", value) else f'"{value}"'
    if isinstance(value, BaseModel):
        return _flow(value.model_dump(mode="json"))
    if isinstance(value, dict):
        return "{" + ", ".join(f"{_flow(k)}: {_flow(v)}" for k, v in value.items()) + "}"
    if isinstance(value, list | tuple):
        return "[" + ", ".join(_flow(v) for v in value) + "]"
    return repr(value)


def _render_default(field: FieldInfo) -> str:
    """The default as compact Markdown code; long dicts and lists are abbreviated."""
    if field.default_factory is None and field.default is PydanticUndefined:
        return "required"
    value = field.get_default(call_default_factory=True)
    text = _flow(value)
    if len(text) > MAX_DEFAULT_CHARS and isinstance(value, dict | list):
        items = list(value.items()) if isinstance(value, dict) else list(value)
        shown: list[str] = []
        for item in items:
            if isinstance(value, dict):
                piece = f"{_flow(item[0])}: {_flow(item[1])}"
            else:
                piece = _flow(item)
            if sum(len(s) + 2 for s in shown) + len(piece) > MAX_DEFAULT_CHARS - 10:
                break
            shown.append(piece)
        kind = "keys" if isinstance(value, dict) else "items"
        opening, closing = ("{", "}") if isinstance(value, dict) else ("[", "]")
        text = opening + ", ".join([*shown, "…"]) + closing
        return f"`{text}` ({len(items)} {kind})"
    return f"`{text}`"


# --------------------------------------------------------------------------------- walking
def iter_parameters(model: type[BaseModel] = Scenario, prefix: str = "") -> Iterator[Param]:
    """Every leaf parameter of `model`, depth first: a section's own leaves, then its
    subsections in field order."""
    subsections: list[tuple[str, type[BaseModel]]] = []
    for name, field in model.model_fields.items():
        path = f"{prefix}.{name}" if prefix else name
        sub, is_list = _sub_model(field.annotation)
        if sub is not None:
            subsections.append((f"{path}[]" if is_list else path, sub))
            continue
        type_text, bounds = _describe_type(field.annotation, list(field.metadata))
        yield Param(
            path=path,
            group=prefix,
            type=type_text,
            bounds=bounds,
            default=_render_default(field),
            description=_description(model, name, path),
        )
    for path, sub in subsections:
        yield from iter_parameters(sub, path)


def _cell(text: str) -> str:
    """Text made safe for a Markdown table cell."""
    return text.replace("|", "\\|").replace("\n", " ").strip()


def _group_title(group: str) -> str:
    """Heading line of a table group, with the section's docstring when it has one."""
    model: type[BaseModel] = Scenario
    for part in group.split(".") if group else []:
        sub, _ = _sub_model(model.model_fields[part.removesuffix("[]")].annotation)
        if sub is None:
            break
        model = sub
    doc = _docstring_line(model)
    label = f"`{group}`" if group else "Top level"
    return f"**{label}**: {doc}" if doc else f"**{label}**"


def parameter_table() -> str:
    """The Markdown parameter tables (one per schema section), without trailing newline."""
    lines: list[str] = []
    group: str | None = None
    for p in iter_parameters():
        if p.group != group:
            group = p.group
            if lines:
                lines.append("")
            lines += [
                _group_title(group),
                "",
                "| Parameter | Type | Bounds | Default | Meaning and source |",
                "|---|---|---|---|---|",
            ]
        row = [f"`{p.path}`", p.type, p.bounds, p.default, p.description]
        lines.append("| " + " | ".join(_cell(c) for c in row) + " |")
    return "\n".join(lines)


# --------------------------------------------------------------------------------- the doc
def _resolve(path: str | Path) -> Path:
    """Relative paths are taken from the repository root, so the result is the same from any
    working directory."""
    p = Path(path)
    return p if p.is_absolute() else REPO_ROOT / p


def table_in_doc(text: str) -> str:
    """The text between the parameter markers of a document, stripped of surrounding blanks.

    Raises:
        ValueError: if the markers are missing or out of order.
    """
    start, end = text.find(START), text.find(END)
    if start < 0 or end < 0 or end < start:
        raise ValueError(f"the document must contain {START} followed by {END}")
    return text[start + len(START) : end].strip()


def update_doc(path: str | Path = DEFAULT_DOC) -> bool:
    """Replace the text between the markers of `path` with `parameter_table()`.

    Args:
        path: the Markdown file; relative paths are taken from the repository root.

    Returns:
        True if the file changed, False if the table was already up to date.

    Raises:
        ValueError: if the file lacks the markers.
    """
    file = _resolve(path)
    text = file.read_text(encoding="utf-8")
    table_in_doc(text)  # validates the markers
    start, end = text.find(START), text.find(END)
    new = text[: start + len(START)] + "\n" + parameter_table() + "\n" + text[end:]
    if new == text:
        return False
    file.write_text(new, encoding="utf-8")
    return True


def main(argv: list[str] | None = None) -> int:
    """CLI: rewrite the table in place (default) or, with --check, fail if it is stale."""
    parser = argparse.ArgumentParser(
        prog="python -m sim.cli.paramdoc", description=(__doc__ or "").strip().splitlines()[0]
    )
    parser.add_argument("--path", default=DEFAULT_DOC, help="document (default: %(default)s)")
    parser.add_argument("--check", action="store_true", help="exit 1 if the table is out of date")
    args = parser.parse_args(argv)
    if args.check:
        stale = table_in_doc(_resolve(args.path).read_text(encoding="utf-8")) != parameter_table()
        print(f"{args.path}: parameter table {'out of date' if stale else 'up to date'}")
        return 1 if stale else 0
    changed = update_doc(args.path)
    print(f"{args.path}: parameter table {'updated' if changed else 'already up to date'}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
