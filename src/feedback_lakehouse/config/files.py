"""Reading a conf file: YAML into a pydantic model, with every problem named by file and key.

Settings, export mappings, the taxonomy, labeled examples and runbook front matter all come
through here, so a mistake in any of them reads the same way: ``<file>: <dotted.key>: <what
is wrong>``, one line per problem, all problems at once."""

from __future__ import annotations

from pathlib import Path
from typing import Any, TypeVar

import yaml
from pydantic import BaseModel, ValidationError

from feedback_lakehouse.errors import ConfigError

M = TypeVar("M", bound=BaseModel)
Origin = dict[tuple[str, ...], str]
"""Where each dotted key came from, when a model is merged from several files."""


def parse_yaml(text: str, where: str) -> Any:
    """YAML text -> data; ``where`` names the file (and part of it) in the error."""
    try:
        return yaml.safe_load(text)
    except yaml.YAMLError as exc:
        raise ConfigError(f"{where}: not valid YAML: {exc}") from None


def read_yaml(path: str | Path, what: str = "file") -> dict[str, Any]:
    """A YAML file whose top level is a mapping (an empty file is an empty mapping)."""
    p = Path(path)
    if not p.is_file():
        raise ConfigError(f"{p}: {what} not found")
    data = parse_yaml(p.read_text(encoding="utf-8"), str(p)) or {}
    if not isinstance(data, dict):
        raise ConfigError(f"{p}: top level must be a mapping, got {type(data).__name__}")
    return data


def problems(exc: ValidationError, origin: Origin | str) -> list[str]:
    """One ``<file>: <key>: <message>`` line per validation error. ``origin`` is the file, or
    for merged data the file each key came from (the longest known prefix wins)."""
    lines = []
    for err in exc.errors():
        loc = tuple(str(p) for p in err["loc"])
        if isinstance(origin, str):
            source = origin
        else:
            found = (origin[loc[:n]] for n in range(len(loc), 0, -1) if loc[:n] in origin)
            source = next(found, "defaults")
        key = ".".join(loc) or "(top level)"
        lines.append(f"{source}: {key}: {err['msg']}")
    return lines


def validated(model: type[M], data: Any, origin: Origin | str, what: str = "") -> M:
    """``data`` as ``model``, or a ConfigError listing every problem with file and key."""
    try:
        return model.model_validate(data)
    except ValidationError as exc:
        lines = problems(exc, origin)
        head = f"invalid {what}:\n  " if what else ""
        raise ConfigError(head + "\n  ".join(lines) if head else "\n".join(lines)) from None


def load_model(path: str | Path, model: type[M], what: str) -> M:
    """A whole YAML file as ``model`` (``what`` names the kind of file in errors)."""
    return validated(model, read_yaml(path, what), str(path))
