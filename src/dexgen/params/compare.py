"""The typed config of the engine comparison (``params.yaml: sim_compare``).

Two engines are two variants of the ``sim`` section: ``a`` and ``b`` hold the keys each changes
(``{backend: isaaclab, isaaclab: {physics: physx}}``, ``{protocol: {preset: graspdatagen}}``), resolved
against ``sim`` by :func:`dexgen.params.sim.sim_variant` where params are loaded, so the library receives
two :class:`~dexgen.params.sim.SimConfig` values.
"""

from __future__ import annotations

import dataclasses
import math
from typing import Any

from dexgen.params.sim import SimConfig, sim_variant

KINDS = ("collision_free", "random", "near_miss")


# GraspDataGen's labels two ways: MuJoCo with stiff friction (impratio 10: soft friction creeps out of the pads
# under the preset's 2.5 s of tugs) and Isaac Lab's PhysX, the engine GraspDataGen runs (make isaaclab-env)
def _default_a() -> dict[str, Any]:
    return {"protocol": {"preset": "graspdatagen"}, "impratio": 10.0}


def _default_b() -> dict[str, Any]:
    return {"backend": "isaaclab", "isaaclab": {"physics": "physx"}, "protocol": {"preset": "graspdatagen"}}


@dataclasses.dataclass(frozen=True)
class TrialMix:
    """Fractions of each object's compared trials by kind (summing to 1): collision-free guesses,
    random poses, and near misses (collision-free guesses shifted and tilted, started wide open)."""

    collision_free: float = 0.3
    random: float = 0.2
    near_miss: float = 0.5

    def __post_init__(self) -> None:
        values = [getattr(self, k) for k in KINDS]
        if min(values) < 0 or not math.isclose(sum(values), 1.0, abs_tol=1e-6):
            raise ValueError(f"mix fractions must be >= 0 and sum to 1, got {dict(zip(KINDS, values))}")

    def counts(self, total: int) -> dict[str, int]:
        """Trials per kind out of ``total`` (largest remainders, so they sum to ``total``)."""
        raw = {k: getattr(self, k) * total for k in KINDS}
        out = {k: int(math.floor(v)) for k, v in raw.items()}
        for k in sorted(KINDS, key=lambda k: out[k] - raw[k])[: total - sum(out.values())]:
            out[k] += 1
        return out


@dataclasses.dataclass(frozen=True)
class SimCompareConfig:
    """The same guesses on two engines (``dexgen sim-compare`` and the ``sim_compare`` stage)."""

    # off: the stage keeps metrics/sim_compare.json from its last enabled run (dvc exp run -S sim_compare.enabled=true)
    enabled: bool = False
    # keys of `sim` the first engine changes ({} = the pipeline's own simulate)
    a: dict[str, Any] = dataclasses.field(default_factory=_default_a)
    # keys of `sim` the second engine changes
    b: dict[str, Any] = dataclasses.field(default_factory=_default_b)
    # objects compared, first in key order over every shard; 0 = all
    max_objects: int = 0
    # trials per object, split by `mix` (fewer when an object has too few guesses of a kind)
    trials_per_object: int = 24
    mix: TrialMix = TrialMix()
    # m; a near miss moves the guess's TCP up to this far (uniform direction, uniform length)
    near_miss_shift: float = 0.04
    # degrees; and turns it up to this much about a uniform axis through the TCP
    near_miss_tilt: float = 45.0
    # draws per wanted near miss before giving up (most shifted copies of a good grasp still collide)
    near_miss_attempts: int = 20
    # PNGs of the objects with the most disagreements; 0 = none
    max_pictures: int = 6

    def __post_init__(self) -> None:
        for name in ("max_objects", "max_pictures"):
            if getattr(self, name) < 0:
                raise ValueError(f"{name} must be >= 0, got {getattr(self, name)}")
        if self.trials_per_object < 1 or self.near_miss_attempts < 1:
            raise ValueError("trials_per_object and near_miss_attempts must be >= 1")
        if not (self.near_miss_shift >= 0 and 0 <= self.near_miss_tilt <= 180):
            raise ValueError(
                f"near_miss_shift must be >= 0 m and near_miss_tilt in [0, 180] degrees, got "
                f"{self.near_miss_shift}, {self.near_miss_tilt}"
            )


def engines(sim: SimConfig, cfg: SimCompareConfig) -> tuple[SimConfig, SimConfig]:
    """The two engines' sim configs: ``sim`` with ``cfg.a``'s and ``cfg.b``'s changes (validated, errors
    naming ``sim_compare.a`` / ``.b``)."""
    return sim_variant(sim, cfg.a, where="sim_compare.a"), sim_variant(sim, cfg.b, where="sim_compare.b")
