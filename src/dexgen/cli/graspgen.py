"""``dexgen graspgen | analyze-grasp-data | yaml-to-json``: GraspDataGen's workflow and tools.

Flags keep GraspDataGen's names and meanings (graspdatagen.md §7-8); defaults come from the params
tree (``--params``), then GraspDataGen's environment variables. Heavy imports happen inside the commands.
"""

from __future__ import annotations

import argparse
import logging
import os
import sys
from pathlib import Path

from dexgen.cli.common import EXIT_ERROR, EXIT_OK, add_params_option, params_of, print_json
from dexgen.cli.ray_option import add_ray_address, cluster_of
from dexgen.errors import ConfigError
from dexgen.params.tree import override

log = logging.getLogger(__name__)

_TRUE, _FALSE = ("yes", "true", "1", "on"), ("no", "false", "0", "off")


def parse_bool(text: str) -> bool:
    """GraspDataGen's boolean spellings: yes/no/true/false/1/0."""
    value = text.strip().lower()
    if value in _TRUE:
        return True
    if value in _FALSE:
        return False
    raise argparse.ArgumentTypeError(f"expected one of {_TRUE + _FALSE}, got {text!r}")


def _flag(p: argparse.ArgumentParser, name: str, help: str) -> None:
    p.add_argument(name, nargs="?", const=True, default=None, type=parse_bool, metavar="BOOL", help=help)


def graspgen_setup(p: argparse.ArgumentParser) -> None:
    add_params_option(p)
    p.add_argument("--seed", type=int, help="base seed (default: params 'seed')")
    p.add_argument(
        "--object_scales_json", help='{"relative/mesh.obj": scale} JSON (default: the params object set)'
    )
    p.add_argument("--object_dataset", help="root the object keys are relative to ($OBJECT_DATASET_DIR)")
    p.add_argument("--grasp_dataset", help="output root ($GRASP_DATASET_DIR, else 'results')")
    p.add_argument(
        "--gripper_config",
        help="gripper: a shipped name, a gripper YAML, or a robot description (.urdf, .xml, .usd) "
        "(default: params graspgen.gripper, else guess.gripper)",
    )
    p.add_argument(
        "--num_collision_free_grasps", type=int, help="positives requested from guessing and max kept"
    )
    p.add_argument(
        "--num_colliding_grasps", type=int, help="colliding guesses requested and max negatives kept"
    )
    _flag(p, "--guess_only", "skip simulation: positives are collision-free guesses")
    _flag(p, "--load_guesses", "reload existing files: true grasps re-simulated, false ones kept")
    _flag(p, "--overwrite_grasps", "regenerate existing grasp files")
    _flag(p, "--fill_grasps", "top up files short of a quota with grasps from a new seeded round")
    _flag(p, "--overwrite_gripper_config", "rewrite config/grippers/<gripper>.yaml/.py when they differ")
    p.add_argument(
        "--valid_set_percentage", type=float, help="fraction of OBJECTS in valid.txt (default 0.2)"
    )
    p.add_argument(
        "--graspgen_source",
        help="GraspGen checkout for config/grippers ($GRASP_GEN_CODE_DIR, else the dataset)",
    )
    add_ray_address(p, graspdatagen_style=True)
    p.add_argument("--no-progress", action="store_true", help="hide progress bars")


def graspgen_run(args: argparse.Namespace) -> int:
    from dexgen.graspgen.workflow import WorkflowOptions, run_graspgen

    params = params_of(args)
    object_dataset = args.object_dataset or os.environ.get("OBJECT_DATASET_DIR")
    objects = params.objects
    if args.object_scales_json:
        if not object_dataset:
            raise ConfigError("--object_scales_json needs --object_dataset (or $OBJECT_DATASET_DIR)")
        objects = override(
            objects,
            where="dexgen graspgen",
            source="directory",
            object_dataset=Path(object_dataset),
            object_scales_json=Path(args.object_scales_json),
        )
    counts = {
        "num_collision_free_grasps": args.num_collision_free_grasps,
        "num_colliding_grasps": args.num_colliding_grasps,
    }
    gripper = args.gripper_config or params.graspgen.gripper
    guess = override(params.guess, where="dexgen graspgen", gripper=gripper, **counts)
    export = override(
        params.graspgen,
        where="dexgen graspgen",
        guess_only=args.guess_only,
        valid_set_percentage=args.valid_set_percentage,
        **counts,
    )
    options = WorkflowOptions(
        grasp_dataset=Path(args.grasp_dataset or os.environ.get("GRASP_DATASET_DIR") or "results"),
        graspgen_source=_graspgen_source(args.graspgen_source, params.graspgen.graspgen_source),
        load_guesses=bool(args.load_guesses),
        overwrite_grasps=bool(args.overwrite_grasps),
        fill_grasps=bool(args.fill_grasps),
        overwrite_gripper_config=bool(args.overwrite_gripper_config),
        progress=not args.no_progress,
    )
    seed = args.seed if args.seed is not None else params.seed
    cluster = cluster_of(params, args, "graspgen", flag="--ray_address")
    metrics = run_graspgen(objects, guess, params.sim, export, options=options, seed=seed, cluster=cluster)
    print_json(metrics)
    return EXIT_OK


def _graspgen_source(flag: str | None, param: str | None) -> Path | None:
    """``--graspgen_source``, else ``$GRASP_GEN_CODE_DIR`` when it is a folder (a warning when not),
    else ``graspgen.graspgen_source``."""
    if flag is not None:
        if not Path(flag).is_dir():
            raise ConfigError(f"--graspgen_source {flag}: not a folder")
        return Path(flag)
    env = os.environ.get("GRASP_GEN_CODE_DIR")
    if env and not Path(env).is_dir():
        log.warning("$GRASP_GEN_CODE_DIR=%s is not a folder; gripper config goes into the dataset", env)
        return None
    source = env or param
    if source and not Path(source).is_dir():
        raise ConfigError(f"graspgen.graspgen_source {source}: not a folder")
    return Path(source) if source else None


def analyze_setup(p: argparse.ArgumentParser) -> None:
    p.add_argument("path", help="a grasp file (JSON or isaac_grasp YAML) or a folder of them (not recursive)")
    p.add_argument("--detailed", action="store_true", help="print every file, also with --quiet")
    p.add_argument("-o", "--output", help="write the full analysis as JSON here")
    p.add_argument("--min-success", type=int, default=0, help="files with fewer successes fail")
    p.add_argument("--min-failed", type=int, default=0, help="files with fewer failures fail")
    p.add_argument("--min-total", type=int, default=0, help="files with fewer grasps fail")
    p.add_argument("--quiet", action="store_true", help="only the aggregate and failures")
    p.add_argument("--no-progress", action="store_true", help="accepted for GraspDataGen compatibility")


def _rate(value: float | None) -> str:
    return "n/a" if value is None else f"{100 * value:.1f}%"


def analyze_run(args: argparse.Namespace) -> int:
    """Exit 0 when every file meets the criteria, 1 when one does not (or none was found)."""
    from dexgen.atomic import write_json
    from dexgen.graspgen.analyze import analyze

    result = analyze(
        args.path, min_success=args.min_success, min_failed=args.min_failed, min_total=args.min_total
    )
    if args.output:
        write_json(args.output, result)
    if args.detailed or not args.quiet:
        for f in result["files"]:
            if "error" in f:
                print(f"{f['file']}: INVALID {f['error']}")
            else:
                print(
                    f"{f['file']}: {f['total']} grasps, {f['success']} success, {f['failed']} failed ({_rate(f['success_rate'])})"
                )
    a = result["aggregate"]
    print(
        f"{a['files']} files ({a['invalid_files']} invalid): {a['total']} grasps, {a['success']} success, "
        f"{a['failed']} failed, overall {_rate(a['success_rate'])}, per file {_rate(a['success_rate_mean'])} "
        f"+- {_rate(a['success_rate_std'])} [{_rate(a['success_rate_min'])}, {_rate(a['success_rate_max'])}]"
    )
    for f in result["failing"]:
        print(f"FAIL {f['file']}: {'; '.join(f['reasons'])}", file=sys.stderr)
    if not result["files"]:
        print(f"FAIL {args.path}: no grasp files found", file=sys.stderr)
    return EXIT_OK if result["ok"] else EXIT_ERROR


def yaml_to_json_setup(p: argparse.ArgumentParser) -> None:
    p.add_argument(
        "yaml", help="isaac_grasp YAML (GraspDataGen guess/sim output or GraspGen inference output)"
    )
    p.add_argument("json", nargs="?", help="output JSON (default: the YAML path with .json)")
    p.add_argument(
        "max_grasps_pos", nargs="?", type=int, metavar="max_grasps", help="keep the first N grasps"
    )
    p.add_argument("gripper_config_pos", nargs="?", metavar="gripper_config", help="GraspGen gripper YAML")
    p.add_argument("--max_grasps", type=int, help="keep the first N grasps")
    p.add_argument(
        "--gripper_config", help="GraspGen gripper YAML for the gripper block (offset read as xyzw)"
    )


def yaml_to_json_run(args: argparse.Namespace) -> int:
    from dexgen.graspgen.isaac_yaml import convert_yaml_to_json

    out = convert_yaml_to_json(
        args.yaml,
        args.json,
        max_grasps=args.max_grasps if args.max_grasps is not None else args.max_grasps_pos,
        gripper_config=args.gripper_config or args.gripper_config_pos,
    )
    print(out)
    return EXIT_OK


def inference_config_setup(p: argparse.ArgumentParser) -> None:
    p.add_argument("--gen", required=True, help="the generator run's log folder (config.yaml, last.pth)")
    p.add_argument("--dis", required=True, help="the discriminator run's log folder (config.yaml, last.pth)")
    p.add_argument("--out", required=True, help="models folder: graspgen_<gripper>.yml, gen.pth, dis.pth")


def inference_config_run(args: argparse.Namespace) -> int:
    from dexgen.atomic import check_apart
    from dexgen.graspgen.inference_config import write_inference_config

    check_apart(args.out, {"--gen": args.gen, "--dis": args.dis})
    print(write_inference_config(args.gen, args.dis, args.out))
    return EXIT_OK


def register(sub: argparse._SubParsersAction) -> None:
    for name, help_text, setup, run in (
        (
            "graspgen",
            "GraspGen dataset: guess -> simulate -> export per object (GraspDataGen flags)",
            graspgen_setup,
            graspgen_run,
        ),
        (
            "analyze-grasp-data",
            "counts and success rates of grasp files; exit 1 when criteria fail",
            analyze_setup,
            analyze_run,
        ),
        (
            "yaml-to-json",
            "GraspDataGen isaac_grasp YAML -> GraspGen grasp JSON",
            yaml_to_json_setup,
            yaml_to_json_run,
        ),
        (
            "graspgen-inference-config",
            "GraspGen's inference config (and gen.pth / dis.pth) from a generator and a discriminator run",
            inference_config_setup,
            inference_config_run,
        ),
    ):
        p = sub.add_parser(name, help=help_text, description=help_text)
        setup(p)
        p.set_defaults(run=run)
