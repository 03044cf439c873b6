"""The ODD (docs/model.md) stays in step with the code: every parameter, the generated parameter
table and every rule function appear in it."""

from __future__ import annotations

import inspect
import re
import typing
from pathlib import Path

import pytest
from pydantic import BaseModel

from sim.cli import paramdoc
from sim.core import rules
from sim.core.scenario import Scenario

DOC = Path(__file__).resolve().parents[1] / "docs" / "model.md"


@pytest.fixture(scope="module")
def doc_text() -> str:
    return DOC.read_text(encoding="utf-8")


def _section_model(annotation: object) -> tuple[type[BaseModel] | None, bool]:
    """The pydantic section held by a field (directly, optionally or as list items)."""
    while typing.get_origin(annotation) is typing.Annotated:
        annotation = typing.get_args(annotation)[0]
    if isinstance(annotation, type) and issubclass(annotation, BaseModel):
        return annotation, False
    for arg in typing.get_args(annotation):
        model, _ = _section_model(arg)
        if model is not None:
            return model, typing.get_origin(annotation) is list
    return None, False


def leaf_paths(model: type[BaseModel] = Scenario, prefix: str = "") -> list[str]:
    """Dotted key paths of every leaf field of the schema (written independently of paramdoc)."""
    out: list[str] = []
    for name, field in model.model_fields.items():
        path = f"{prefix}.{name}" if prefix else name
        sub, is_list = _section_model(field.annotation)
        if sub is None:
            out.append(path)
        else:
            out += leaf_paths(sub, f"{path}[]" if is_list else path)
    return out


def test_leaf_walk_sees_the_nested_sections() -> None:
    paths = leaf_paths()
    assert "run.months" in paths
    assert "space.zones[].rect" in paths
    assert "population.initial_firms[].count" in paths
    assert "levers.financing.enabled" in paths  # inherited from LeverWindow
    assert {p.path for p in paramdoc.iter_parameters()} == set(paths)


def test_every_parameter_path_is_in_the_doc(doc_text: str) -> None:
    missing = [p for p in leaf_paths() if f"`{p}`" not in doc_text]
    assert not missing, (
        f"parameters missing from {DOC.name}: {missing}; run `python -m sim.cli.paramdoc`"
    )


def test_parameter_table_is_up_to_date(doc_text: str) -> None:
    assert paramdoc.START in doc_text and paramdoc.END in doc_text, "parameter markers missing"
    assert paramdoc.table_in_doc(doc_text) == paramdoc.parameter_table().strip(), (
        f"the parameter table in {DOC} is out of date: run `python -m sim.cli.paramdoc`"
    )


def test_every_rule_function_is_named_in_the_doc(doc_text: str) -> None:
    public = [
        name
        for name, fn in inspect.getmembers(rules, inspect.isfunction)
        if fn.__module__ == rules.__name__ and not name.startswith("_")
    ]
    assert public, "no rule functions found"
    missing = [n for n in public if not re.search(rf"\b{re.escape(n)}\b", doc_text)]
    assert not missing, f"rule functions not described in {DOC.name}: {missing}"


def test_field_comments_attach_to_the_right_field() -> None:
    source = '''
class A:
    """Doc."""

    x: int = 1  # trailing on x
    # above y
    y: int = 2
    z: list[int] = [
        1,  # inside z
    ]
    w: int = 3
    # below w, continuing it
    v: int = 4  # v's own
'''
    comments = paramdoc.field_comments(source)
    assert comments[("A", "x")] == "trailing on x"
    assert comments[("A", "y")] == "above y"
    assert comments[("A", "z")] == "inside z"
    assert comments[("A", "w")] == "below w, continuing it"
    assert comments[("A", "v")] == "v's own"


def test_update_doc_replaces_only_the_marked_block(tmp_path: Path) -> None:
    doc = tmp_path / "doc.md"
    doc.write_text(f"before\n{paramdoc.START}\nstale\n{paramdoc.END}\nafter\n", encoding="utf-8")
    assert paramdoc.update_doc(doc) is True
    text = doc.read_text(encoding="utf-8")
    assert text.startswith("before\n") and text.endswith("after\n")
    assert paramdoc.table_in_doc(text) == paramdoc.parameter_table()
    assert paramdoc.update_doc(doc) is False
