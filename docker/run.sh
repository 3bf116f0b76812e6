#!/usr/bin/env bash
# Start a dexgen container with the user's folders mounted where GraspDataGen's docker/run.sh puts them:
#   --object_dataset DIR  -> /object_dataset  (meshes + object-scales JSON; env OBJECT_DATASET_DIR)
#   --grasp_dataset DIR   -> /grasp_dataset   (grasp data output root;      env GRASP_DATASET_DIR)
#   --grasp_gen_code DIR  -> /grasp_gen_code  (a GraspGen checkout;         env GRASP_GEN_CODE_DIR)
# Set DOCKER to use another client (e.g. DOCKER=podman); --dry-run prints the command instead.
set -euo pipefail

usage() {
    cat <<EOF
Usage: $(basename "$0") [options] [-- COMMAND [ARG...]]

Run the dexgen image with optional folders mounted. Without a COMMAND, starts bash.

Options:
  --object_dataset DIR   object meshes (and scales JSON), mounted at /object_dataset
  --grasp_dataset DIR    grasp dataset output folder, mounted at /grasp_dataset (read-write)
  --grasp_gen_code DIR   GraspGen source folder, mounted at /grasp_gen_code
  --image NAME           image to run (default: \$DEXGEN_IMAGE or dexgen:cpu)
  --gpus SPEC            passed to 'docker run --gpus' (e.g. all, or device=0)
  --dry-run              print the docker command instead of running it
  -h, --help             show this help

Relative paths are made absolute. Every folder given must exist.

Examples:
  $(basename "$0") --object_dataset ./meshes --grasp_dataset ./out -- dvc repro
  $(basename "$0") --grasp_gen_code ~/github/GraspGen --gpus all
EOF
}

die() {
    echo "error: $*" >&2
    echo "Run '$(basename "$0") --help' for usage." >&2
    exit 2
}

# Absolute path of an existing directory; dies with the flag name otherwise.
abs_dir() {
    local flag="$1" dir="$2"
    [[ -n "$dir" ]] || die "$flag needs a directory"
    [[ -d "$dir" ]] || die "$flag '$dir' does not exist or is not a directory"
    (cd "$dir" && pwd -P)
}

docker_cmd="${DOCKER:-docker}"
image="${DEXGEN_IMAGE:-dexgen:cpu}"
gpus=""
dry_run=0
mounts=()
command=()

while [[ $# -gt 0 ]]; do
    case "$1" in
        --object_dataset | --grasp_dataset | --grasp_gen_code)
            [[ $# -ge 2 ]] || die "$1 needs a directory"
            dir="$(abs_dir "$1" "$2")" || exit 2
            mounts+=(-v "$dir:/${1#--}")
            echo "  $1: $dir -> /${1#--}" >&2
            shift 2
            ;;
        --image)
            [[ $# -ge 2 && -n "$2" ]] || die "--image needs a name"
            image="$2"
            shift 2
            ;;
        --gpus)
            [[ $# -ge 2 && -n "$2" ]] || die "--gpus needs a value (e.g. all)"
            gpus="$2"
            shift 2
            ;;
        --dry-run)
            dry_run=1
            shift
            ;;
        -h | --help)
            usage
            exit 0
            ;;
        --)
            shift
            command=("$@")
            break
            ;;
        *)
            die "unknown option '$1'"
            ;;
    esac
done

args=(run --rm)
# Interactive only when there is a terminal, so the script also works from CI and scripts.
if [[ -t 0 && -t 1 ]]; then
    args+=(-it)
fi
if [[ -n "$gpus" ]]; then
    args+=(--gpus "$gpus")
fi
# ${a[@]+"${a[@]}"}: an empty array under `set -u` is an error in bash < 4.4 (macOS ships 3.2).
args+=(${mounts[@]+"${mounts[@]}"} "$image" ${command[@]+"${command[@]}"})

if [[ "$dry_run" -eq 1 ]]; then
    printf '%q ' "$docker_cmd" "${args[@]}"
    echo
    exit 0
fi
exec "$docker_cmd" "${args[@]}"
