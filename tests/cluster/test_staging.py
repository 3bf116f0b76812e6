"""Staged work (what a cluster task runs): only declared inputs are visible, written files come back by
their real paths, and paths in the work, the unit and the meta are mapped both ways."""

from __future__ import annotations

import dataclasses
from pathlib import Path

import pytest

from dexgen.cluster.staging import absolute, map_paths, read_inputs, rebase, run_staged, write_outputs
from dexgen.runner import Unit


@dataclasses.dataclass(frozen=True)
class Record:
    key: str
    mesh: str


class CopyWork:
    """Reads ``<objects>/<mesh>`` and writes its upper-cased text plus a picture next to the output."""

    def __init__(self, objects: Path) -> None:
        self.objects = objects
        self.closed = False

    def inputs(self, unit: Unit) -> tuple[Path, ...]:
        (record,) = unit.args
        return (self.objects / record.mesh,)

    def __call__(self, unit: Unit) -> dict:
        (record,) = unit.args
        text = (self.objects / record.mesh).read_text()
        unit.output.parent.mkdir(parents=True, exist_ok=True)
        unit.output.write_text(text.upper())
        unit.extra_outputs[0].write_text("picture")
        return {"object": record.key, "written": str(unit.output), "as_path": unit.output}

    def close(self) -> None:
        self.closed = True


def _unit(tmp_path: Path, mesh: str = "a.txt") -> Unit:
    out = tmp_path / "out"
    return Unit("a", out / "a.npz", {}, (Record("a", mesh),), (out / "a.png",))


def test_staged_work_sees_declared_inputs_and_returns_what_it_wrote(tmp_path):
    (tmp_path / "objects").mkdir()
    (tmp_path / "objects" / "a.txt").write_text("mesh")
    work, unit = CopyWork(tmp_path / "objects"), _unit(tmp_path)
    meta, files = run_staged(absolute(work), absolute(unit), read_inputs(work.inputs(unit)))
    assert sorted(files) == [str(tmp_path / "out" / "a.npz"), str(tmp_path / "out" / "a.png")]
    assert files[str(tmp_path / "out" / "a.npz")] == b"MESH"
    assert meta == {
        "object": "a",
        "written": str(tmp_path / "out" / "a.npz"),
        "as_path": tmp_path / "out" / "a.npz",
    }
    assert not (tmp_path / "out").exists()  # the driver writes, not the task
    write_outputs(files, record=unit.output)
    assert (tmp_path / "out" / "a.npz").read_bytes() == b"MESH"
    assert not work.closed  # the driver's work object is never touched


def test_an_undeclared_input_is_not_visible_to_the_task(tmp_path):
    (tmp_path / "objects").mkdir()
    (tmp_path / "objects" / "a.txt").write_text("mesh")
    work, unit = CopyWork(tmp_path / "objects"), _unit(tmp_path)
    with pytest.raises(FileNotFoundError):
        run_staged(absolute(work), absolute(unit), {})


def test_paths_are_rebased_inside_containers_dataclasses_and_our_objects(tmp_path):
    work = CopyWork(Path("rel/objects"))
    value = {"w": work, "t": (Path("/a/b"), "not/a/path", 3), "l": [Path("x")], "r": Record("k", "m.ply")}
    absolute_value = absolute(value, cwd=Path("/base"))
    assert absolute_value["w"].objects == Path("/base/rel/objects")
    assert work.objects == Path("rel/objects")  # copied, never mutated
    assert absolute_value["t"] == (Path("/a/b"), "not/a/path", 3)
    assert absolute_value["l"] == [Path("/base/x")]
    assert absolute_value["r"] is value["r"]  # nothing to change: shared
    moved = rebase(absolute_value, Path("/scratch"))
    assert moved["w"].objects == Path("/scratch/base/rel/objects")
    assert moved["t"][0] == Path("/scratch/a/b")


def test_library_objects_are_left_alone(tmp_path):
    import numpy as np

    array = np.zeros(3)
    assert map_paths(array, lambda p: Path("/x")) is array


def test_missing_optional_inputs_are_left_out(tmp_path):
    (tmp_path / "there").write_bytes(b"1")
    files = read_inputs([tmp_path / "there", tmp_path / "cache-entry-not-made-yet"])
    assert files == {str(tmp_path / "there"): b"1"}


def test_the_record_file_is_written_last(tmp_path, monkeypatch):
    order = []
    monkeypatch.setattr(
        "dexgen.cluster.staging.write_bytes", lambda name, data: order.append(Path(name).name)
    )
    files = {str(tmp_path / n): b"" for n in ("a.npz", "b.png", "c.png")}
    write_outputs(files, record=tmp_path / "a.npz")
    assert order == ["b.png", "c.png", "a.npz"]
