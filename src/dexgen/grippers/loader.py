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
from dexgen.grippers.spec import KINDS, Gripper, GripperBounds, check_bounds
from dexgen.hashing import sha256_bytes
from dexgen.names import safe_name

log = logging.getLogger(__name__)

DEFAULT = "robotiq_2f_85"
PLAUSIBLE = GripperBounds()  # the bounds every load checks unless told otherwise
_LOADER_FIELDS = ("source", "sha256", "document")  # filled in here, never written in a file


def gripper_names() -> list[str]:
    """Names of the shipped grippers (the ``*.yaml`` files of this package), sorted."""
    root = importlib.resources.files("dexgen.grippers")
    return sorted(p.name[: -len(".yaml")] for p in root.iterdir() if p.name.endswith(".yaml"))


def shipped_path(name: str) -> Path:
    """The file of shipped gripper ``name`` (as params.yaml spells it: a path DVC can depend on)."""
    if name not in gripper_names():
        raise InputError(f"{name}: unknown gripper; shipped grippers are {gripper_names()}")
    return Path(str(importlib.resources.files("dexgen.grippers") / f"{name}.yaml"))


def _read(name_or_path: str | Path) -> tuple[str, str, bytes]:
    """(path for error messages, recorded source name, file bytes) of a shipped name or a path.

    The recorded source never holds a machine's path: ``grippers/<file>`` for a shipped gripper (by
    name or by its path inside the package), the bare file name for any other file.
    """
    text = str(name_or_path)
    if text in gripper_names():
        res = importlib.resources.files("dexgen.grippers") / f"{text}.yaml"
        return f"grippers/{text}.yaml", f"grippers/{text}.yaml", res.read_bytes()
    path = Path(text)
    if path.suffix in (".yaml", ".yml") or path.exists():
        try:
            data = path.read_bytes()
        except OSError as exc:
            raise InputError(f"{path}: cannot read gripper file ({exc.strerror})") from None
        package = Path(str(importlib.resources.files("dexgen.grippers"))).resolve()
        shipped = path.resolve().parent == package
        return str(path), f"grippers/{path.name}" if shipped else path.name, data
    raise InputError(
        f"{text}: unknown gripper; shipped grippers are {gripper_names()}, or pass a path to a .yaml file"
    )


def parse_gripper(
    data: bytes, *, where: str, source: str | None = None, bounds: GripperBounds | None = None
) -> Gripper:
    """Validate the YAML bytes of a gripper file; ``where`` names the file in errors.

    ``source`` is recorded in the result (default ``where``); ``sha256`` and ``document`` are the
    bytes' hash and text, so the gripper can travel inside the data it made. ``bounds``: refuse
    implausible sizes (None: only the geometric checks, for a gripper already accepted when its
    data was made). The name becomes file names (GraspGen configs, scripts), so it must be one.
    """
    try:
        document = data.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise InputError(f"{where}: not UTF-8 text ({exc})") from None
    try:
        raw = yaml.safe_load(document)
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
    safe_name(spec.name, what="gripper name", source=where)
    if bounds is not None:
        try:
            check_bounds(spec, bounds)
        except ValueError as exc:
            raise InputError(f"{where}: {exc}") from None
    return dataclasses.replace(
        spec, source=where if source is None else source, sha256=sha256_bytes(data), document=document
    )


def load_gripper(name_or_path: str | Path = DEFAULT, *, bounds: GripperBounds = PLAUSIBLE) -> Gripper:
    """The validated gripper ``name_or_path``: a shipped name (see :func:`gripper_names`) or a file path,
    refused when a size or force is outside ``bounds``.

    The result carries ``source`` (the file's name), ``sha256`` (hash of its bytes, for provenance)
    and ``document`` (its text, which outputs embed so later steps rebuild it without a lookup).
    """
    where, source, data = _read(name_or_path)
    gripper = parse_gripper(data, where=where, source=source, bounds=bounds)
    log.debug("loaded gripper %s from %s", gripper.name, where)
    return gripper
