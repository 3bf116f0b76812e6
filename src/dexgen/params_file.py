"""Reading ``params.yaml``: for stage scripts and the CLI only, never for library code."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from ruamel.yaml import YAML
from ruamel.yaml.error import YAMLError

from dexgen.errors import ConfigError


def load_params(path: str | Path = "params.yaml") -> dict[str, Any]:
    """The whole params file as a dict; a clear error names the file if it is missing or malformed."""
    path = Path(path)
    try:
        text = path.read_text()
    except FileNotFoundError:
        raise ConfigError(f"{path}: params file not found") from None
    try:
        # YAML 1.2, as DVC reads and `dvc exp run -S` rewrites it: PyYAML (YAML 1.1) would turn a
        # value such as `off` or `no`, unquoted by ruamel on rewrite, into a boolean.
        data = YAML(typ="safe", pure=True).load(text)
    except YAMLError as exc:
        raise ConfigError(f"{path}: not valid YAML: {exc}") from None
    if not isinstance(data, dict):
        raise ConfigError(f"{path}: expected a mapping at the top level, got {type(data).__name__}")
    return data


def section(params: dict[str, Any], name: str, *, path: str | Path = "params.yaml") -> dict[str, Any]:
    """``params[name]`` as a dict; an error lists the sections that exist."""
    if name not in params:
        raise ConfigError(f"{path}: no '{name}' section; sections are {sorted(params)}")
    value = params[name]
    if value is None:
        return {}
    if not isinstance(value, dict):
        raise ConfigError(f"{path}: '{name}' must be a mapping, got {type(value).__name__}")
    return value
