"""Fail fast and clearly (issue 30, deliverable 5): a bad value or input stops the run before any work,
in one line that names the key or file and the reason, with a non-zero exit code and no traceback."""

from __future__ import annotations

import importlib.util
import re
import socket
import time
from pathlib import Path

import numpy as np
import pytest

from dexgen.errors import ConfigError
from dexgen.params.sim import BACKEND_NAMES
from dexgen.params.tree import load_params
from dexgen.sim.registry import backend_names

REPO = Path(__file__).resolve().parents[2]


def _stage(name: str):
    """The ``main`` of ``stages/<name>.py`` (stage scripts are not a package)."""
    spec = importlib.util.spec_from_file_location(f"stage_{name}", REPO / "stages" / f"{name}.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module.main


def _params_with(tmp_path: Path, old: str, new: str) -> Path:
    """The committed params.yaml with the one line ``old`` replaced by ``new``."""
    text = (REPO / "params.yaml").read_text()
    assert re.search(f"^{re.escape(old)}", text, re.M), old
    path = tmp_path / "params.yaml"
    path.write_text(re.sub(f"^{re.escape(old)}", new, text, count=1, flags=re.M))
    return path


def _one_line_error(captured: str) -> str:
    lines = [line for line in captured.splitlines() if line.strip()]
    assert len(lines) == 1, captured
    assert "Traceback" not in captured
    return lines[0]


def test_bogus_sim_backend_stops_the_objects_stage_before_any_output(tmp_path, capsys):
    params = _params_with(tmp_path, "  backend: mujoco", "  backend: bogus")
    out = tmp_path / "objects"
    argv = ["--params", str(params), "--out", str(out), "--cache", str(tmp_path / "cache")]
    argv += ["--report", str(tmp_path / "report.json"), "--preview", str(tmp_path / "preview.png")]
    assert _stage("objects")(argv) == 1
    line = _one_line_error(capsys.readouterr().err)
    assert "sim.backend" in line and "'bogus'" in line and "['isaaclab', 'mujoco']" in line
    assert sorted(p.name for p in tmp_path.iterdir()) == ["params.yaml"]


def test_bogus_sim_backend_stops_the_cli_at_load(tmp_path, capsys):
    from dexgen.cli.main import main

    params = _params_with(tmp_path, "  backend: mujoco", "  backend: bogus")
    assert main(["objects", "--params", str(params), "--out", str(tmp_path / "objects")]) == 1
    line = _one_line_error(capsys.readouterr().err)
    assert "sim.backend" in line and str(params) in line
    assert not (tmp_path / "objects").exists()


def test_bad_sim_compare_engine_fails_at_load_naming_its_key(tmp_path):
    params = _params_with(tmp_path, "  b: {backend: isaaclab", "  b: {backend: physx")
    with pytest.raises(ConfigError, match=r"sim_compare\.b\.backend: 'physx' is not one of"):
        load_params(params)


def test_bad_device_fails_at_load(tmp_path):
    params = _params_with(tmp_path, "device: auto", "device: gpu")
    with pytest.raises(ConfigError, match=r"device: 'gpu' is not a device"):
        load_params(params)


def test_backend_names_in_params_match_the_registry():
    assert sorted(BACKEND_NAMES) == backend_names()


def test_debug_flag_shows_the_traceback_the_default_hides(tmp_path, capsys, monkeypatch):
    from dexgen.cli.main import main

    monkeypatch.delenv("DEXGEN_DEBUG", raising=False)
    params = _params_with(tmp_path, "  backend: mujoco", "  backend: bogus")
    assert main(["--debug", "objects", "--params", str(params)]) == 1
    err = capsys.readouterr().err
    assert "Traceback" in err and err.strip().splitlines()[-1].startswith("dexgen objects: error:")
    monkeypatch.setenv("DEXGEN_DEBUG", "1")
    argv = ["--params", str(params), "--out", "o", "--cache", "c", "--report", "r", "--preview", "p"]
    assert _stage("objects")(argv) == 1
    assert "Traceback" in capsys.readouterr().err


def _guess_file(folder: Path, record, poses: np.ndarray) -> Path:
    """A guess file for ``record`` holding ``poses`` (n, 4, 4), written as the guess stage writes one."""
    from dexgen.grippers.loader import load_gripper
    from dexgen.records.guesses import ObjectGuesses, guess_meta, guess_provenance, write_guesses

    n = len(poses)
    gripper = load_gripper("robotiq_2f_85")
    guesses = ObjectGuesses(
        poses=poses,
        widths=np.full(n, 0.02),
        openings=np.full(n, 0.05),
        contacts=np.zeros((n, 2, 3)),
        normals=np.zeros((n, 2, 3)),
        labels=np.zeros(n, np.int8),
        reasons=np.zeros(n, np.int8),
        samplers=np.zeros(n, np.int8),
        stats={},
    )
    prov = guess_provenance(record, gripper, seed=0, params={}, code="dexgen.guess.shard")
    path = folder / f"{Path(record.mesh).stem}.npz"
    folder.mkdir(parents=True, exist_ok=True)
    write_guesses(path, guesses, guess_meta(record, gripper, {}, prov=prov))
    return path


def test_nan_guess_pose_is_refused_naming_file_and_row_before_any_output(tmp_path, capsys):
    import trimesh
    from object_shards import write_shard

    from dexgen.cli.main import main
    from dexgen.records.objects import read_index

    shard = write_shard(tmp_path / "shard-00", {"box": trimesh.creation.box((0.05, 0.05, 0.05))})
    poses = np.repeat(np.eye(4)[None], 3, axis=0)
    poses[2, 0, 3] = np.nan
    guess = _guess_file(tmp_path / "guesses", read_index(shard)[0], poses)
    out = tmp_path / "sim"
    argv = ["simulate", "--objects", str(shard), "--guesses", str(guess.parent), "--out", str(out)]
    assert main([*argv, "--cache", str(tmp_path / "cache")]) == 1
    line = _one_line_error(capsys.readouterr().err)
    assert str(guess) in line and "poses row 2 is not a finite rigid transform" in line
    assert not out.exists()


def test_predict_batch_size_zero_is_a_usage_error(tmp_path, capsys):
    from dexgen.cli.main import main

    with pytest.raises(SystemExit) as exit_info:
        main(["predict", str(tmp_path / "model.pt"), str(tmp_path), "--batch-size", "0"])
    assert exit_info.value.code == 2
    err = capsys.readouterr().err
    assert "--batch-size: must be >= 1, got 0" in err and "Traceback" not in err


def test_guess_objects_given_a_file_says_it_expected_a_folder(tmp_path, capsys):
    from dexgen.cli.main import main

    mesh = tmp_path / "mug.obj"
    mesh.write_bytes(b"\x89PNG\r\n\x1a\n\xff\xfe")  # not text: json would raise UnicodeDecodeError
    assert main(["guess", "--objects", str(mesh), "--out", str(tmp_path / "guesses")]) == 1
    line = _one_line_error(capsys.readouterr().err)
    assert f"{mesh}: is a file, expected an object folder" in line
    assert not (tmp_path / "guesses").exists()


def test_yaml_to_json_on_a_binary_file_names_it(tmp_path, capsys):
    from dexgen.cli.main import main

    binary = tmp_path / "grasps.yaml"
    binary.write_bytes(bytes(range(256)))
    assert main(["yaml-to-json", str(binary)]) == 1
    line = _one_line_error(capsys.readouterr().err)
    assert f"{binary}: not UTF-8 text" in line
    assert not binary.with_suffix(".json").exists()


def test_non_utf8_params_file_is_a_one_line_config_error(tmp_path, capsys):
    params = tmp_path / "params.yaml"
    params.write_bytes((REPO / "params.yaml").read_bytes().replace(b"seed: 42", b"seed: 42 # \xe9t\xe9", 1))
    with pytest.raises(ConfigError, match=r"params.yaml: not UTF-8 text"):
        load_params(params)
    argv = ["--params", str(params), "--out", "o", "--cache", "c", "--report", "r", "--preview", "p"]
    assert _stage("objects")(argv) == 1
    assert "not UTF-8 text" in _one_line_error(capsys.readouterr().err)


def test_non_utf8_scales_json_names_the_file(tmp_path):
    from dexgen.errors import InputError
    from dexgen.objects.scales import read_scales

    scales = tmp_path / "object_scales.json"
    scales.write_bytes(b'{"mug.obj": 1.0, "caf\xe9.obj": 1.0}')
    with pytest.raises(InputError, match=r"object_scales.json: not UTF-8 text"):
        read_scales(scales, tmp_path)


def test_non_utf8_gripper_yaml_names_the_file(tmp_path):
    from dexgen.errors import InputError
    from dexgen.grippers.loader import load_gripper

    gripper = tmp_path / "my_gripper.yaml"
    gripper.write_bytes(b"kind: parallel_jaw\nname: m\xfcller\n")
    with pytest.raises(InputError, match=r"my_gripper.yaml: not UTF-8 text"):
        load_gripper(gripper)


def _closed_port() -> int:
    """A port on 127.0.0.1 that nothing listens on (bound, then released)."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def test_unreachable_ray_address_fails_within_connect_timeout_naming_it(tmp_path, capsys):
    import trimesh
    from object_shards import write_shard

    from dexgen.cli.main import main

    shard = write_shard(tmp_path / "shard-00", {"box": trimesh.creation.box((0.05, 0.05, 0.05))})
    params = _params_with(tmp_path, "  connect_timeout_s: 30.0", "  connect_timeout_s: 1.0")
    address = f"127.0.0.1:{_closed_port()}"
    argv = ["guess", "--params", str(params), "--objects", str(shard), "--out", str(tmp_path / "g")]
    start = time.monotonic()
    assert main([*argv, "--ray-address", address]) == 1
    assert time.monotonic() - start < 15  # Ray alone retried for minutes
    line = _one_line_error(capsys.readouterr().err)
    assert f"cluster.address '{address}': nothing answers at {address}" in line
    assert "cluster.connect_timeout_s = 1 s" in line
    assert not (tmp_path / "g").exists()


def test_ray_executor_gives_up_on_an_unreachable_address_within_its_timeout():
    from dexgen.cluster.ray_executor import RayExecutor
    from dexgen.params.cluster import ClusterConfig

    address = f"127.0.0.1:{_closed_port()}"
    start = time.monotonic()
    with pytest.raises(ConfigError, match=re.escape(f"cluster.address '{address}': nothing answers")):
        RayExecutor(ClusterConfig(address=address, connect_timeout_s=0.5))
    assert time.monotonic() - start < 10


def test_mesh_over_max_faces_is_refused_naming_file_and_face_count(tmp_path, capsys):
    import trimesh

    from dexgen.cli.main import main

    dataset = tmp_path / "meshes"
    dataset.mkdir()
    sphere = trimesh.creation.icosphere(subdivisions=3, radius=0.05)  # 1,280 faces
    (dataset / "scan.obj").write_text(sphere.export(file_type="obj"))
    (dataset / "scales.json").write_text('{"scan.obj": 1.0}')
    params = _params_with(tmp_path, "  max_faces: 200000", "  max_faces: 1000")
    argv = ["objects", "--params", str(params), "--object_dataset", str(dataset)]
    argv += ["--object_scales_json", str(dataset / "scales.json"), "--out", str(tmp_path / "objects")]
    assert main([*argv, "--cache", str(tmp_path / "cache"), "--report", str(tmp_path / "r.json")]) == 1
    line = _one_line_error(capsys.readouterr().err)
    assert f"{dataset / 'scan.obj'}: 1,280 faces, over objects.max_faces = 1,000" in line
    assert not (tmp_path / "objects").exists()


def test_max_faces_is_not_part_of_the_object_set_content():
    from dexgen.objects.build import content_config
    from dexgen.params.objects import ObjectsConfig

    assert content_config(ObjectsConfig(max_faces=7)) == content_config(ObjectsConfig())
    with pytest.raises(ValueError, match="max_faces must be >= 0"):
        ObjectsConfig(max_faces=-1)


@pytest.mark.parametrize(
    ("old", "key"),
    [
        ("  gripper: src/dexgen/grippers/robotiq_2f_85.yaml #", "guess"),
        ("      gripper: src/dexgen/grippers/suction_30mm.yaml", "dexnet.synth.suction"),
    ],
)
def test_unknown_gripper_name_in_params_fails_at_load(tmp_path, old, key):
    params = _params_with(tmp_path, old, old.replace("src/dexgen/grippers/", "").replace(".yaml", "_typo"))
    with pytest.raises(ConfigError, match=rf"{re.escape(key)}: gripper '\w+_typo' is not a shipped gripper"):
        load_params(params)


def test_unknown_sim_label_fails_at_load_not_after_guess(tmp_path):
    from dexgen.params.sim import GUESS_LABELS
    from dexgen.records.guesses import LABELS

    assert GUESS_LABELS == LABELS
    params = _params_with(
        tmp_path, "  labels: [collision_free, random]", "  labels: [collision_free, randum]"
    )
    with pytest.raises(ConfigError, match=r"sim: labels \['randum'\] are not guess labels"):
        load_params(params)


def test_ray_address_probe_passes_where_something_listens():
    from dexgen.cluster.ray_executor import wait_for_address

    with socket.socket() as server:
        server.bind(("127.0.0.1", 0))
        server.listen()
        port = server.getsockname()[1]
        wait_for_address(f"127.0.0.1:{port}", timeout=1.0)
        wait_for_address(f"ray://127.0.0.1:{port}", timeout=1.0)
