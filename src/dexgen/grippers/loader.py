"""Loading gripper files: the registry of shipped names, validation, and refusal with clear errors.

A gripper is one YAML file. Shipped grippers live next to this module (package data, found through
:mod:`importlib.resources`, so they work from a wheel); adding ``grippers/<name>.yaml`` registers
``<name>``. A user can also pass a path to a file anywhere. Every problem is an
:class:`~dexgen.errors.InputError` whose message starts with the file path and names the field.
"""

from __future__ import annotations

import dataclasses
import importlib.resources
import logging
from pathlib import Path

import yaml

from dexgen.config import from_mapping
from dexgen.errors import ConfigError, InputError
from dexgen.grippers.spec import KINDS, Gripper
from dexgen.hashing import sha256_bytes

log = logging.getLogger(__name__)

DEFAULT = "robotiq_2f_85"
_LOADER_FIELDS = ("source", "sha256")  # filled in here, never written in a file


def gripper_names() -> list[str]:
    """Names of the shipped grippers (the ``*.yaml`` files of this package), sorted."""
    root = importlib.resources.files("dexgen.grippers")
    return sorted(p.name[: -len(".yaml")] for p in root.iterdir() if p.name.endswith(".yaml"))


def _read(name_or_path: str | Path) -> tuple[str, bytes]:
    """(display path, file bytes) of a shipped name or a path."""
    text = str(name_or_path)
    if text in gripper_names():
        res = importlib.resources.files("dexgen.grippers") / f"{text}.yaml"
        return f"grippers/{text}.yaml", res.read_bytes()
    path = Path(text)
    if path.suffix in (".yaml", ".yml") or path.exists():
        try:
            return str(path), path.read_bytes()
        except OSError as exc:
            raise InputError(f"{path}: cannot read gripper file ({exc.strerror})") from None
    raise InputError(
        f"{text}: unknown gripper; shipped grippers are {gripper_names()}, or pass a path to a .yaml file"
    )


def parse_gripper(data: bytes, *, where: str) -> Gripper:
    """Validate the YAML bytes of a gripper file; ``where`` names the file in errors."""
    try:
        raw = yaml.safe_load(data)
    except yaml.YAMLError as exc:
        raise InputError(f"{where}: not valid YAML: {exc}") from None
    if not isinstance(raw, dict):
        raise InputError(f"{where}: expected a mapping of gripper fields, got {type(raw).__name__}")
    kind = raw.get("kind")
    if kind not in KINDS:
        raise InputError(f"{where}: kind {kind!r} is not one of {sorted(KINDS)}")
    for key in _LOADER_FIELDS:
        if key in raw:
            raise InputError(f"{where}: '{key}' is set by the loader and must not appear in the file")
    try:
        spec = from_mapping(KINDS[kind], raw, where=where)
    except ConfigError as exc:
        raise InputError(str(exc)) from None
    return dataclasses.replace(spec, source=where, sha256=sha256_bytes(data))


def load_gripper(name_or_path: str | Path = DEFAULT) -> Gripper:
    """The validated gripper ``name_or_path``: a shipped name (see :func:`gripper_names`) or a file path.

    The result carries ``source`` (the file) and ``sha256`` (hash of its bytes, for provenance).
    """
    where, data = _read(name_or_path)
    gripper = parse_gripper(data, where=where)
    log.debug("loaded gripper %s from %s", gripper.name, where)
    return gripper
