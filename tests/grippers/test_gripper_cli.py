"""``dexgen gripper list`` and ``dexgen gripper check``: figures printed, pictures written, outputs owned."""

from __future__ import annotations

import json
import re

import airo_models
import pytest
from tiny_hands import write_hand

from dexgen.cli.main import main


def test_list_names_box_and_real_grippers(capsys):
    assert main(["gripper", "list"]) == 0
    out = capsys.readouterr().out
    assert re.search(r"^robotiq_2f_85\s+parallel_jaw\s+yaml: grippers/robotiq_2f_85.yaml$", out, re.M)
    assert re.search(r"^robotiq_2f_85_real\s+parallel_jaw\s+urdf: airo_models robotiq_2f_85 via ", out, re.M)


def test_check_of_the_airo_models_urdf_prints_its_stroke_and_draws_it(tmp_path, capsys):
    out_dir = tmp_path / "check"
    assert main(["gripper", "check", airo_models.get_urdf_path("robotiq_2f_85"), "--out", str(out_dir)]) == 0
    out = capsys.readouterr().out
    stroke = float(re.search(r"stroke ([\d.]+) mm", out).group(1))
    assert stroke == pytest.approx(85.0, abs=2.0)
    assert "11 bodies" in out and "TCP depth" in out and "closing force not given" in out
    png, html = out_dir / "robotiq_2f_85.png", out_dir / "robotiq_2f_85.html"
    assert png.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n" and png.stat().st_size > 20_000
    page = html.read_text()
    assert "http://" not in page and "https://" not in page  # nothing fetched at view time
    data = json.loads(re.search(r'<script type="application/json" id="data">(.*?)</script>', page).group(1))
    assert [o["name"].split()[0] for o in data["objects"]] == ["open", "half", "closed"]
    assert len(data["objects"][0]["faces"]) // 3 > 4000  # the real meshes, not boxes


def test_check_runs_again_over_its_own_pictures_and_on_an_unseen_urdf(tmp_path, capsys):
    out_dir = tmp_path / "check"
    hand = write_hand(tmp_path / "hand", kind="curl")
    assert main(["gripper", "check", str(hand), "--out", str(out_dir), "--openings", "12"]) == 0
    assert main(["gripper", "check", str(hand), "--out", str(out_dir)]) == 0
    assert "stroke 50.0 mm (closes to 0.0 mm)" in capsys.readouterr().out
    assert sorted(p.name for p in out_dir.iterdir()) == ["curl.html", "curl.png"]


def test_check_refuses_a_folder_holding_a_foreign_file(tmp_path, capsys):
    (tmp_path / "notes.png").write_bytes(b"mine")
    assert main(["gripper", "check", "robotiq_2f_85", "--out", str(tmp_path)]) == 1
    err = capsys.readouterr().err
    assert "notes.png" in err and "did not write" in err and err.count("\n") == 1
    assert (tmp_path / "notes.png").read_bytes() == b"mine"


def test_check_refuses_a_bad_description_in_one_line(tmp_path, capsys):
    hand = write_hand(tmp_path / "hand", missing_mesh=True)
    assert main(["gripper", "check", str(hand), "--out", str(tmp_path / "out")]) == 1
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and "right_finger" in err and str(hand) in err
    assert not (tmp_path / "out").exists()
