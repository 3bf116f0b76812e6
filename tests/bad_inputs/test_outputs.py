"""Output folders and paths a careless user gives: nothing that is not ours is deleted or overwritten,
an output never lands on an input, and a path that cannot be created is one line, not a traceback.

Each test reproduces one defect of issue 30 ("Never delete what is not ours") through the ``dexgen``
command, run in an empty folder so the built-in defaults (= the committed params) apply.
"""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest
import trimesh

from dexgen.atomic import RecordFolder
from dexgen.cli.main import main
from dexgen.graspgen.export import _prune
from dexgen.records import npz


def _dexgen(capsys, *argv: str | Path) -> tuple[int, str]:
    """(exit code, stderr) of ``dexgen argv``."""
    code = main([str(a) for a in argv])
    return code, capsys.readouterr().err


def _objects(capsys, out: Path, *extra: str | Path) -> tuple[int, str]:
    """``dexgen objects`` of two builtin objects into ``out`` (cache and report in the working folder)."""
    report, cache = Path.cwd() / f"{out.name}.json", Path.cwd() / "cache"
    return _dexgen(
        capsys, "objects", "--count", "2", "--out", out, "--report", report, "--cache", cache, *extra
    )


def _one_error_line(err: str, *names: str) -> None:
    """The error is one line naming every one of ``names``, and no traceback."""
    lines = [line for line in err.splitlines() if "error:" in line]
    assert len(lines) == 1 and "Traceback" not in err, err
    for name in names:
        assert name in lines[0], (name, lines[0])


@pytest.fixture
def here(tmp_path, monkeypatch) -> Path:
    monkeypatch.chdir(tmp_path)  # no params.yaml here: the built-in defaults
    return tmp_path


def test_objects_out_keeps_unrelated_files(here, capsys):
    out = here / "objects"
    out.mkdir()
    (out / "notes.txt").write_text("mine")
    code, err = _objects(capsys, out)
    assert code == 1
    _one_error_line(err, str(out), "notes.txt")
    assert sorted(p.name for p in out.iterdir()) == ["notes.txt"]


def test_objects_out_keeps_the_source_meshes_inside_it(here, capsys):
    out = here / "data"
    (out / "meshes").mkdir(parents=True)
    trimesh.creation.box((0.05, 0.05, 0.05)).export(out / "meshes" / "box.obj")
    scales = out / "meshes" / "scales.json"
    scales.write_text(json.dumps({"box.obj": 1.0}))
    argv = ("--object_dataset", out / "meshes", "--object_scales_json", scales)
    code, err = _objects(capsys, out, *argv)
    assert code == 1
    _one_error_line(err, str(out), "object_dataset")
    assert sorted(p.name for p in (out / "meshes").iterdir()) == ["box.obj", "scales.json"]


def test_objects_out_replaces_only_its_own_earlier_set(here, capsys):
    out = here / "objects"
    assert _objects(capsys, out)[0] == 0
    first = {p: p.read_bytes() for p in out.rglob("*") if p.is_file()}
    assert _objects(capsys, out)[0] == 0  # a folder of our own earlier files is replaced as before
    assert {p: p.read_bytes() for p in out.rglob("*") if p.is_file()} == first
    stray = out / "shard-00" / "extra.ply"  # a mesh no index lists is someone else's
    stray.write_bytes(b"ply")
    code, err = _objects(capsys, out)
    assert code == 1 and stray.exists()
    _one_error_line(err, "extra.ply")


def test_simulate_never_writes_over_its_own_guesses(here, capsys):
    guesses = here / "guesses"
    guesses.mkdir()
    (guesses / "box.npz").write_bytes(b"guesses")
    code, err = _dexgen(capsys, "simulate", "--objects", here, "--guesses", guesses, "--out", guesses)
    assert code == 1
    _one_error_line(err, str(guesses), "guesses")
    assert (guesses / "box.npz").read_bytes() == b"guesses"


def test_guess_keeps_npz_files_it_did_not_write(here, capsys):
    assert _objects(capsys, here / "objects")[0] == 0
    out = here / "guesses"
    out.mkdir()
    np.savez(out / "mine.npz", x=np.zeros(3))
    before = (out / "mine.npz").read_bytes()
    code, err = _dexgen(capsys, "guess", "--objects", here / "objects" / "shard-00", "--out", out)
    assert code == 1
    _one_error_line(err, str(out), "mine.npz")
    assert (out / "mine.npz").read_bytes() == before


def test_simulate_keeps_records_another_stage_wrote(here, capsys):
    out = here / "sim"
    out.mkdir()
    meta = {"provenance": {"stage": "guess"}}  # a guess record is not a simulate record
    npz.write(out / "box.npz", {"v": np.zeros(1)}, ("v",), meta)
    before = (out / "box.npz").read_bytes()
    objects, guesses = here / "objects", here / "guesses"
    code, err = _dexgen(capsys, "simulate", "--objects", objects, "--guesses", guesses, "--out", out)
    assert code == 1
    _one_error_line(err, "box.npz")
    assert (out / "box.npz").read_bytes() == before


def test_stale_pictures_of_our_records_are_pruned_and_others_kept(tmp_path):
    """The ownership rule for PNGs (no metadata): named after one of our records, in our folder."""
    npz.write(tmp_path / "gone.npz", {"v": np.zeros(1)}, ("v",), {"provenance": {"stage": "guess"}})
    (tmp_path / "pictures").mkdir()
    (tmp_path / "pictures" / "gone.png").write_bytes(b"png")
    (tmp_path / "pictures" / "holiday.png").write_bytes(b"png")
    owned = RecordFolder(tmp_path, ("guess",), pictures="pictures")
    assert owned(tmp_path / "pictures" / "gone.png") and not owned(tmp_path / "pictures" / "holiday.png")


def test_graspgen_prune_keeps_grasp_files_and_meshes_it_did_not_write(tmp_path):
    gdir = tmp_path / "grasp_data" / "robotiq"
    gdir.mkdir(parents=True)
    ours = {"object": {"file": "old.obj"}, "dexgen": {"provenance": {"stage": "graspgen"}}}
    (gdir / "old.grasps.json").write_text(json.dumps(ours))
    (gdir / "theirs.grasps.json").write_text(json.dumps({"object": {"file": "theirs.obj"}}))
    (tmp_path / "objects").mkdir()
    for name in ("old.obj", "theirs.obj"):
        (tmp_path / "objects" / name).write_text("v 0 0 0\n")
    _prune(tmp_path, "robotiq", names=set(), meshes=set())
    assert sorted(p.name for p in gdir.iterdir()) == ["theirs.grasps.json"]
    assert sorted(p.name for p in (tmp_path / "objects").iterdir()) == ["theirs.obj"]


def test_predict_out_never_overwrites_the_checkpoint(here, capsys):
    checkpoint = here / "model.pt"
    checkpoint.write_bytes(b"weights")
    np.save(here / "depth.npy", np.full((32, 32), 0.5, np.float32))
    code, err = _dexgen(capsys, "predict", checkpoint, "--image", here / "depth.npy", "--out", checkpoint)
    assert code == 1
    _one_error_line(err, str(checkpoint), "the output is the input checkpoint")  # before loading it
    assert checkpoint.read_bytes() == b"weights"


def test_output_under_a_file_is_one_line_naming_it(here, capsys):
    (here / "f").write_text("a file")
    code, err = _objects(capsys, here / "f" / "objects")
    assert code == 1
    _one_error_line(err, str(here / "f" / "objects"), "is a file")


def test_output_under_proc_is_one_line_naming_it(here, capsys):
    code, err = _objects(capsys, Path("/proc/dexgen-no-such/objects"))
    assert code == 1
    _one_error_line(err, "/proc/dexgen-no-such")


def test_out_dot_is_refused_and_leaves_no_temp_folder(here, capsys, monkeypatch):
    work = here / "empty"
    work.mkdir()
    monkeypatch.chdir(work)
    code, err = _dexgen(
        capsys, "objects", "--count", "2", "--out", ".", "--cache", here / "c", "--report", here / "r"
    )
    assert code == 1
    _one_error_line(err, "working folder")
    assert list(work.iterdir()) == [] and not [p for p in here.iterdir() if p.name.endswith(".tmp")]
    assert not (here / "c").exists()  # refused before any work


def test_show_out_an_existing_folder_is_one_line(here, capsys):
    (here / "pictures").mkdir()
    (here / "results.npz").write_bytes(b"results")
    code, err = _dexgen(capsys, "show", here / "results.npz", "--objects", here, "--out", here / "pictures")
    assert code == 1
    _one_error_line(err, str(here / "pictures"), "is a folder")


def test_guess_report_keeps_pictures_it_did_not_draw(here, capsys):
    (here / "guesses" / "shard-00").mkdir(parents=True)
    pictures = here / "pictures"
    pictures.mkdir()
    (pictures / "holiday.png").write_bytes(b"png")
    argv = ("--guesses", here / "guesses", "--out", here / "guess.json", "--pictures", pictures)
    code, err = _dexgen(capsys, "guess-report", "--objects", here / "objects", *argv)
    assert code == 1
    _one_error_line(err, "holiday.png")
    assert (pictures / "holiday.png").read_bytes() == b"png"


def test_sim_compare_keeps_pictures_it_did_not_draw(here, capsys):
    pictures = here / "pictures"
    pictures.mkdir()
    (pictures / "holiday.png").write_bytes(b"png")
    argv = ("--out", here / "out", "--metrics", here / "m.json", "--pictures", pictures)
    code, err = _dexgen(capsys, "sim-compare", "--objects", here / "o", "--guesses", here / "g", *argv)
    assert code == 1
    _one_error_line(err, "holiday.png")
    assert (pictures / "holiday.png").read_bytes() == b"png"
