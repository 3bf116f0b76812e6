"""``python -m dexgen.cli.loopback --workers 2 -- CMD``: run CMD against a throwaway Ray cluster on 127.0.0.1.

The cluster (:mod:`dexgen.cluster.loopback`) lives in a private network namespace, so this re-runs itself
under ``unshare -n`` first; CMD sees the cluster at ``127.0.0.1:6379`` (set ``cluster.address`` to it).
"""

from __future__ import annotations

import argparse
import os
import subprocess
import sys

from dexgen.cluster.loopback import (
    ADDRESS,
    PRIVATE_NETWORK_ENV,
    LocalCluster,
    in_private_network,
    private_network_command,
)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        description=__doc__.split("\n")[0], formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--workers", type=int, default=2, help="worker nodes (default: %(default)s)")
    parser.add_argument("--cpus", type=int, default=1, help="CPUs per worker node (default: %(default)s)")
    parser.add_argument("command", nargs=argparse.REMAINDER, help="-- the command to run against the cluster")
    args = parser.parse_args(argv)
    command = args.command[1:] if args.command[:1] == ["--"] else args.command
    if not command:
        parser.error("give a command after --")
    if not in_private_network():
        inner = [sys.executable, "-m", "dexgen.cli.loopback", f"--workers={args.workers}"]
        inner += [f"--cpus={args.cpus}", "--", *command]
        return subprocess.call(private_network_command(inner), env={**os.environ, PRIVATE_NETWORK_ENV: "1"})
    with LocalCluster(args.workers, cpus=args.cpus) as cluster:
        print(f"loopback cluster at {ADDRESS}: nodes {cluster.addresses}", file=sys.stderr, flush=True)
        return subprocess.call(command)


if __name__ == "__main__":
    sys.exit(main())
