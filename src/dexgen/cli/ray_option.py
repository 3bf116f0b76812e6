"""``--ray-address`` / ``--ray_address``: one flag for every command whose per-object work can run on a
Ray cluster (``dexgen guess``, ``simulate``, ``graspgen``), overriding ``params.yaml: cluster.address``."""

from __future__ import annotations

import argparse

from dexgen.params.cluster import ClusterConfig
from dexgen.params.tree import Params, override

HELP = "run per-object work on a Ray cluster: auto, ray://host:port or host:port (default: params cluster.address)"


def add_ray_address(p: argparse.ArgumentParser, *, graspdatagen_style: bool = False) -> None:
    """Both spellings are accepted; ``graspdatagen_style`` shows GraspDataGen's underscore first."""
    names = ("--ray_address", "--ray-address") if graspdatagen_style else ("--ray-address", "--ray_address")
    p.add_argument(*names, dest="ray_address", help=HELP)


def cluster_of(
    params: Params, args: argparse.Namespace, command: str, *, flag: str = "--ray-address"
) -> ClusterConfig:
    """``params.cluster`` with the flag applied (validated; an error names the command and the flag).

    A cluster address is probed here, before the command makes its output folder or does any work, so
    an unreachable one fails within ``cluster.connect_timeout_s`` naming it.
    """
    cluster = override(params.cluster, where=f"dexgen {command} {flag}", address=args.ray_address)
    if cluster.enabled:
        from dexgen.cluster.ray_executor import probe  # imports Ray only when a cluster is asked for

        probe(cluster)
    return cluster
