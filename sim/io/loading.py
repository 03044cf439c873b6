"""Reading scenario files: YAML, `extends:` inheritance, dotted overrides and one-line errors.

A lever scenario is a few lines on top of the baseline (`extends: baseline.yaml`); mappings are
merged key by key, anything else (lists, numbers) is replaced. Overrides (`--set a.b=1`) are applied
after inheritance and validated exactly like the file, so a typo in an override is caught too.
"""

from __future__ import annotations

import copy
import re
from pathlib import Path
from typing import Any

import yaml
from pydantic import BaseModel, ValidationError

from sim.core.scenario import Scenario
from sim.io.errors import InputError, ScenarioError

EXTENDS = "extends"


class _Loader(yaml.SafeLoader):
    """A SafeLoader that reads `1e7` and `2.0e6` as numbers, as YAML 1.2 does.

    PyYAML follows YAML 1.1, where a float needs a dot and a signed exponent, so budgets written
    the usual way would arrive as strings (pydantic would still coerce them in a scenario, but not
    in a sweep's factor values or a manifest).
    """


_Loader.add_implicit_resolver(
    "tag:yaml.org,2002:float",
    re.compile(r"^[-+]?(?:[0-9][0-9_]*(?:\.[0-9_]*)?|\.[0-9_]+)[eE][-+]?[0-9]+$"),
    list("-+0123456789."),
)


def load_yaml(text: str) -> Any:
    """Parse YAML text safely, with YAML 1.2 floats (`_Loader`)."""
    return yaml.load(text, Loader=_Loader)  # a SafeLoader subclass: no arbitrary objects


def read_yaml_mapping(
    path: Path,
    source: str | None = None,
    error: type[InputError] = ScenarioError,
    empty_ok: bool = True,
) -> dict[str, Any]:
    """A YAML file whose top level is a mapping; any problem is one `error` line naming the file
    (`source` names who asked for it, e.g. the file that `extends:` it)."""
    if not path.is_file():
        raise error(source or str(path), "", f"file not found: {path}")
    try:
        data = load_yaml(path.read_text(encoding="utf-8"))
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        where = f"line {mark.line + 1}, column {mark.column + 1}" if mark else "?"
        problem = getattr(exc, "problem", None) or str(exc).splitlines()[0]
        raise error(str(path), "", f"malformed YAML at {where}: {problem}") from None
    if data is None and empty_ok:
        data = {}
    if not isinstance(data, dict):
        raise error(
            str(path), "", f"the top level must be a mapping of keys, got {type(data).__name__}"
        )
    return data


def deep_merge(base: dict[str, Any], top: dict[str, Any]) -> dict[str, Any]:
    """`top` over `base`: mappings merge key by key; any other value replaces."""
    out = copy.deepcopy(base)
    for key, value in top.items():
        if isinstance(value, dict) and isinstance(out.get(key), dict):
            out[key] = deep_merge(out[key], value)
        else:
            out[key] = copy.deepcopy(value)
    return out


def read_with_extends(path: Path, _stack: tuple[Path, ...] = ()) -> dict[str, Any]:
    """The raw mapping of a scenario file with its `extends:` chain resolved."""
    path = path.resolve()
    if path in _stack:
        chain = " -> ".join(p.name for p in (*_stack, path))
        raise ScenarioError(str(_stack[-1]), EXTENDS, f"extends cycle: {chain}")
    data = read_yaml_mapping(path, str(_stack[-1]) if _stack else str(path))
    parent = data.pop(EXTENDS, None)
    if parent is None:
        return data
    if not isinstance(parent, str) or not parent:
        raise ScenarioError(str(path), EXTENDS, "must be the path of another scenario file")
    parent_path = path.parent / parent
    if not parent_path.is_file():
        raise ScenarioError(str(path), EXTENDS, f"file not found: {parent_path}")
    return deep_merge(read_with_extends(parent_path, (*_stack, path)), data)


def parse_override(text: str, source: str = "--set") -> tuple[str, Any]:
    """`a.b.c=value` -> ("a.b.c", value), with the value read as YAML (numbers, lists, true)."""
    if "=" not in text:
        raise ScenarioError(source, text, "an override must look like dotted.key=value")
    key, raw = text.split("=", 1)
    key = key.strip()
    if not key:
        raise ScenarioError(source, text, "an override must name a key before '='")
    try:
        value = load_yaml(raw) if raw.strip() else ""
    except yaml.YAMLError:
        value = raw
    return key, value


def apply_overrides(data: dict[str, Any], overrides: dict[str, Any], source: str) -> dict[str, Any]:
    """Set each dotted key (list items by index: `space.zones.0.rent`) in a copy of `data`."""
    out = copy.deepcopy(data)
    for dotted, value in overrides.items():
        parts = dotted.split(".")
        node: Any = out
        for depth, part in enumerate(parts):
            last = depth == len(parts) - 1
            if isinstance(node, list):
                if not part.isdigit() or int(part) >= len(node):
                    raise ScenarioError(
                        source, dotted, f"'{part}' is not an index of a list of {len(node)} items"
                    )
                if last:
                    node[int(part)] = value
                else:
                    node = node[int(part)]
            elif isinstance(node, dict):
                if last:
                    node[part] = value
                else:
                    node = node.setdefault(part, {})
            else:
                prefix = ".".join(parts[:depth])
                raise ScenarioError(source, dotted, f"'{prefix}' holds a value, not a mapping")
    return out


def _allowed_keys(loc: tuple[Any, ...]) -> list[str]:
    """The field names allowed at `loc` in the Scenario schema, for 'unknown key' messages."""
    model: Any = Scenario
    for part in loc[:-1]:
        if isinstance(part, int):
            continue
        field = (
            model.model_fields.get(part)
            if isinstance(model, type) and issubclass(model, BaseModel)
            else None
        )
        if field is None:
            return []
        ann = field.annotation
        candidates = [ann, *getattr(ann, "__args__", ())]
        nxt = None
        for cand in candidates:
            for sub in (cand, *getattr(cand, "__args__", ())):
                if isinstance(sub, type) and issubclass(sub, BaseModel):
                    nxt = sub
        if nxt is None:
            return []
        model = nxt
    return (
        sorted(model.model_fields)
        if isinstance(model, type) and issubclass(model, BaseModel)
        else []
    )


def validation_to_error(exc: ValidationError, source: str) -> ScenarioError:
    """The first pydantic error as a one-line ScenarioError naming the key path."""
    err = exc.errors()[0]
    loc = tuple(err.get("loc", ()))
    key = ".".join(str(p) for p in loc)
    msg = err.get("msg", "invalid value")
    if err.get("type") == "extra_forbidden":
        allowed = _allowed_keys(loc)
        return ScenarioError(source, key, f"unknown key '{loc[-1]}'; allowed: {', '.join(allowed)}")
    if msg.startswith("Value error, "):
        msg = msg.removeprefix("Value error, ")
        if "|" in msg:  # cross-field checks carry their own key path
            sub_key, msg = msg.split("|", 1)
            key = f"{key}.{sub_key}" if key else sub_key
    given = err.get("input")
    shown = "" if isinstance(given, (dict, list)) else f" (got {given!r})"
    return ScenarioError(source, key, f"{msg}{shown}")


def load_scenario(path: str | Path, overrides: dict[str, Any] | None = None) -> Scenario:
    """Read, inherit, override and validate a scenario file.

    Raises ScenarioError (one line: file, key path, what is allowed) on any problem.
    """
    path = Path(path)
    data = read_with_extends(path)
    source = str(path)
    if overrides:
        data = apply_overrides(data, overrides, f"{source} (override)")
        source = f"{source} (with overrides)"
    return scenario_from_dict(data, source)


def scenario_from_dict(data: dict[str, Any], source: str = "<dict>") -> Scenario:
    """Validate a plain mapping into a Scenario (the same checks as a file)."""
    try:
        return Scenario.model_validate(data)
    except ValidationError as exc:
        raise validation_to_error(exc, source) from None


def with_overrides(scenario: Scenario, overrides: dict[str, Any]) -> Scenario:
    """A copy of an already-loaded scenario with dotted overrides, validated again."""
    data = apply_overrides(
        scenario.model_dump(mode="json"), overrides, f"{scenario.name} (override)"
    )
    return scenario_from_dict(data, f"{scenario.name} (with overrides)")


def scenario_to_yaml(scenario: Scenario) -> str:
    """The resolved scenario as YAML (every default spelled out)."""
    return yaml.safe_dump(scenario.model_dump(mode="json"), sort_keys=False, allow_unicode=True)
