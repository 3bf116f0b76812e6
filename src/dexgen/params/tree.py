"""``params.yaml`` as one typed, frozen tree: the only reader of the params file.

Stage scripts and every ``dexgen`` command call :func:`load_params` and hand the sections they use to
the library (``guess_shard(..., config=params.guess, seed=params.seed)``); library code never reads
the file. Each section is a frozen dataclass in one module of this package (``objects``, ``guess``,
``sim``, ``sim_report``, ``cluster``, ``graspgen``, ``dexnet`` with ``synth``, ``learn``, ``models``): declarations only, no
numerical or heavy imports, so loading the tree is cheap and every stage can depend on the whole
package. Errors have one format that names the file and the key path:
``params.yaml: guess.friction_coef: expected a number, got 'x'``.

The defaults of the tree are the committed ``params.yaml`` (a test keeps them equal), so a command run
without a params file behaves as the pipeline does. A command-line flag overrides one field with
:func:`override` (``dataclasses.replace``, validated the same way).
"""

from __future__ import annotations

import dataclasses
import re
from pathlib import Path
from typing import Any, TypeVar

from ruamel.yaml import YAML
from ruamel.yaml.error import YAMLError

from dexgen.config import from_mapping
from dexgen.errors import ConfigError
from dexgen.params.cluster import ClusterConfig
from dexgen.params.compare import SimCompareConfig, engines
from dexgen.params.dexnet import DexnetConfig
from dexgen.params.graspgen import GraspgenConfig
from dexgen.params.guess import GuessConfig
from dexgen.params.learn import ModelChoice, ModelsConfig, TaskConfig, check_tasks, default_tasks
from dexgen.params.objects import ObjectsConfig
from dexgen.params.sim import SimConfig
from dexgen.params.sim_report import SimReportConfig

DEFAULT_PATH = Path("params.yaml")
T = TypeVar("T")
# What dexgen.learn.device.resolve_device accepts, checked here without torch so a typo fails at load.
_DEVICE = re.compile(r"^(auto|cpu|mps|cuda(:\d+)?)$")


@dataclasses.dataclass(frozen=True)
class Params:
    """Every knob of the pipeline; see ``params.yaml`` for the committed values and their reasons."""

    seed: int = 42  # every random draw derives from this plus a stable key (stage, object, shard)
    objects: ObjectsConfig = ObjectsConfig()
    guess: GuessConfig = GuessConfig()
    sim: SimConfig = SimConfig()
    sim_report: SimReportConfig = SimReportConfig()
    cluster: ClusterConfig = ClusterConfig()
    sim_compare: SimCompareConfig = SimCompareConfig()
    graspgen: GraspgenConfig = GraspgenConfig()
    dexnet: DexnetConfig = DexnetConfig()
    device: str = "auto"  # auto = cuda if available else cpu
    model: ModelChoice = ModelChoice()
    models: ModelsConfig = ModelsConfig()
    tasks: dict[str, TaskConfig] = dataclasses.field(default_factory=default_tasks)

    def __post_init__(self) -> None:
        check_tasks(self.tasks)
        if not _DEVICE.match(self.device):
            raise ConfigError(f"device: {self.device!r} is not a device; use auto, cpu, cuda or cuda:<n>")
        # the two engines of sim_compare are sim variants: resolve them now (errors name sim_compare.a / .b)
        # so a bad engine stops every stage at load, not the sim_compare stage after simulate
        engines(self.sim, self.sim_compare)


def read_yaml(path: str | Path) -> dict[str, Any]:
    """The params file as plain data; a clear error names the file if it is missing or malformed."""
    path = Path(path)
    try:
        text = path.read_text()
    except FileNotFoundError:
        raise ConfigError(f"{path}: params file not found") from None
    except IsADirectoryError:
        raise ConfigError(f"{path}: is a folder, expected a params YAML file") from None
    except UnicodeDecodeError as exc:
        raise ConfigError(f"{path}: not UTF-8 text, so not YAML ({exc.reason} at byte {exc.start})") from None
    try:
        # YAML 1.2, as DVC reads and `dvc exp run -S` rewrites it: PyYAML (YAML 1.1) would turn a
        # value such as `off` or `no`, unquoted by ruamel on rewrite, into a boolean.
        data = YAML(typ="safe", pure=True).load(text)
    except YAMLError as exc:
        raise ConfigError(f"{path}: not valid YAML: {exc}") from None
    if not isinstance(data, dict):
        raise ConfigError(f"{path}: expected a mapping at the top level, got {type(data).__name__}")
    return data


def params_from_mapping(data: dict[str, Any], *, where: str) -> Params:
    """The tree of already-parsed params; ``where`` (the file) starts every error message."""
    try:
        return from_mapping(Params, data, where="")
    except ConfigError as exc:
        raise ConfigError(f"{where}: {exc}") from None


def load_params(path: str | Path = DEFAULT_PATH) -> Params:
    """The typed tree of the params file at ``path``."""
    return params_from_mapping(read_yaml(path), where=str(path))


def override(section: T, *, where: str, **values: Any) -> T:
    """``section`` with the fields in ``values`` replaced (``None`` values are left alone).

    For command-line flags: the result is validated like a loaded section, and an error names the
    section (``where``) and the field.
    """
    changes = {k: v for k, v in values.items() if v is not None}
    if not changes:
        return section
    fields = {f.name for f in dataclasses.fields(section)}
    unknown = sorted(set(changes) - fields)
    if unknown:
        raise ConfigError(f"{where}: unknown field(s) {unknown}; fields are {sorted(fields)}")
    try:
        return dataclasses.replace(section, **changes)
    except (TypeError, ValueError) as exc:
        raise ConfigError(f"{where}: {exc}") from None
