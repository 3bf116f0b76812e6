#!/usr/bin/env bash
# Start one node of a dexgen Ray cluster by hand, on machines that each have this repository set up
# (`make venv`: the same Python, Ray and dexgen everywhere; no shared file system is needed).
#
#   docker/cluster/start-by-hand.sh head                  # on the head machine (schedules, runs no work)
#   docker/cluster/start-by-hand.sh worker HEAD_IP        # on every worker machine (all its cores)
#   docker/cluster/start-by-hand.sh worker HEAD_IP --num-gpus=1   # a GPU worker (GPU backends)
#
# Then, on the head: dvc exp run -S cluster.address=auto     (or dexgen graspgen --ray_address auto ...)
# Stop a node with `ray stop` on that machine (it stops every Ray process there).
set -euo pipefail
cd "$(dirname "$0")/../.."
RAY=".venv/bin/ray"
PORT="${RAY_PORT:-6379}"
export RAY_USAGE_STATS_ENABLED=0
case "${1:-}" in
head)
    shift
    # no CPUs on the head: it runs the driver (dvc repro) and the scheduler, workers run the objects
    exec "$RAY" start --head --port="$PORT" --num-cpus=0 --disable-usage-stats "$@"
    ;;
worker)
    [ $# -ge 2 ] || { echo "usage: $0 worker HEAD_IP [ray start flags]" >&2; exit 2; }
    head_ip="$2"
    shift 2
    exec "$RAY" start --address="$head_ip:$PORT" --disable-usage-stats "$@"
    ;;
*)
    echo "usage: $0 head [ray start flags] | worker HEAD_IP [ray start flags]" >&2
    exit 2
    ;;
esac
