"""The per-object runner: resume by provenance, failures that name the object and keep finished work,
stale-file pruning, results in unit order whatever runs them."""

from __future__ import annotations

import dataclasses
from concurrent.futures import Executor
from pathlib import Path
from typing import Any

import numpy as np
import pytest

from dexgen.atomic import RecordFolder
from dexgen.executors import InlineExecutor, process_pool
from dexgen.records import npz
from dexgen.runner import Unit, UnitWork, prune, run_units


@dataclasses.dataclass(frozen=True)
class Square(UnitWork):
    """Writes ``key ** 2`` with the unit's provenance; fails on ``bad`` keys. Picklable (module level)."""

    bad: tuple[str, ...] = ()

    def __call__(self, unit: Unit) -> dict[str, Any]:
        (value,) = unit.args
        if unit.key in self.bad:
            raise ValueError(f"cannot square {unit.key}")
        meta = {"provenance": unit.provenance, "value": value * value}
        npz.write(unit.output, {"v": np.array([value * value])}, ("v",), meta)
        return meta


def _units(out: Path, n: int = 5, version: int = 1) -> list[Unit]:
    return [Unit(f"k{i}", out / f"k{i}.npz", {"v": version, "key": f"k{i}"}, (i,)) for i in range(n)]


def test_results_come_in_unit_order_and_a_rerun_reuses_them(tmp_path):
    first = run_units(_units(tmp_path), Square(), desc="t", progress=False)
    assert list(first.metas) == [f"k{i}" for i in range(5)] and first.ran == tuple(first.metas)
    assert [m["value"] for m in first.metas.values()] == [0, 1, 4, 9, 16]
    again = run_units(_units(tmp_path), Square(), desc="t", progress=False)
    assert again.ran == () and again.metas == first.metas
    changed = run_units(_units(tmp_path, version=2), Square(), desc="t", progress=False)
    assert len(changed.ran) == 5  # another provenance: every file is redone


def test_a_failure_names_the_object_and_keeps_what_finished(tmp_path):
    with pytest.raises(ValueError, match="cannot square k2") as info:
        run_units(_units(tmp_path), Square(bad=("k2",)), desc="t", progress=False)
    assert any("k2" in note for note in info.value.__notes__)
    assert sorted(p.name for p in tmp_path.glob("*.npz")) == ["k0.npz", "k1.npz"]  # inline: stops at once
    resumed = run_units(_units(tmp_path), Square(), desc="t", progress=False)
    assert resumed.ran == ("k2", "k3", "k4")


def test_a_process_pool_gives_the_same_files(tmp_path):
    run_units(_units(tmp_path / "inline"), Square(), desc="t", progress=False)
    with process_pool(2) as pool:
        run_units(_units(tmp_path / "pool"), Square(), desc="t", executor=pool, progress=False)
    for path in (tmp_path / "inline").glob("*.npz"):
        assert path.read_bytes() == (tmp_path / "pool" / path.name).read_bytes()
    result = run_units(_units(tmp_path / "pool2"), Square(), desc="t", workers=2, progress=False)
    assert len(result.ran) == 5
    with pytest.raises(ValueError, match="cannot square k4"):
        run_units(_units(tmp_path / "pool3"), Square(bad=("k4",)), desc="t", workers=2, progress=False)


def test_extra_outputs_must_exist_and_duplicate_keys_are_refused(tmp_path):
    picture = tmp_path / "k0.png"
    units = [dataclasses.replace(_units(tmp_path, 1)[0], extra_outputs=(picture,))]
    run_units(units, Square(), desc="t", progress=False)
    assert run_units(units, Square(), desc="t", progress=False).ran == ("k0",)  # no picture: redone
    picture.write_bytes(b"png")
    assert run_units(units, Square(), desc="t", progress=False).ran == ()
    with pytest.raises(ValueError, match="duplicate unit keys"):
        run_units(units * 2, Square(), desc="t", progress=False)


def test_prune_removes_only_files_of_objects_that_left(tmp_path):
    for stem in ("a", "b", "c"):
        npz.write(tmp_path / f"{stem}.npz", {"v": np.zeros(1)}, ("v",), {"provenance": {"stage": "t"}})
    (tmp_path / "c.npz").unlink()  # c's picture outlived its record: nothing says it is ours
    for name in ("pictures/a.png", "pictures/b.png", "pictures/c.png", "summary.json"):
        (tmp_path / name).parent.mkdir(parents=True, exist_ok=True)
        (tmp_path / name).write_bytes(b"x")
    owned = RecordFolder(tmp_path, ("t",), names=("summary.json",), pictures="pictures")
    removed = prune(tmp_path, {"a"}, owned=owned, patterns=("*.npz", "pictures/*.png"))
    assert sorted(p.relative_to(tmp_path).as_posix() for p in removed) == ["b.npz", "pictures/b.png"]
    assert (tmp_path / "summary.json").exists() and (tmp_path / "pictures/c.png").exists()


def test_prune_keeps_files_whose_metadata_is_not_ours(tmp_path):
    npz.write(tmp_path / "theirs.npz", {"v": np.zeros(1)}, ("v",), {"provenance": {"stage": "other"}})
    (tmp_path / "plain.npz").write_bytes(b"a user's own npz")
    owned = RecordFolder(tmp_path, ("t",))
    assert prune(tmp_path, set(), owned=owned) == []
    assert sorted(p.name for p in tmp_path.iterdir()) == ["plain.npz", "theirs.npz"]


def test_inline_executor_returns_futures():
    future = InlineExecutor().submit(pow, 2, 5)
    assert future.result() == 32
    failed = InlineExecutor().submit(int, "x")
    assert isinstance(failed.exception(), ValueError)


class Recording(Executor):
    """Runs each unit at submit, like the inline executor, but has a pool's window: it is parallel."""

    window = 4

    def __init__(self) -> None:
        self.order: list[str] = []

    def submit(self, fn, /, *args, **kwargs):
        self.order.append(args[0].key)
        return InlineExecutor().submit(fn, *args, **kwargs)


def test_a_parallel_run_starts_the_costliest_units_first(tmp_path):
    costs = {"k0": 1.0, "k1": 5.0, "k2": 1.0, "k3": 9.0, "k4": 5.0}
    units = [dataclasses.replace(u, cost=costs[u.key]) for u in _units(tmp_path)]
    pool = Recording()
    result = run_units(units, Square(), desc="t", executor=pool, progress=False)
    assert pool.order == ["k3", "k1", "k4", "k0", "k2"]  # longest first; equal costs in key order
    assert list(result.metas) == list(result.ran) == ["k0", "k1", "k2", "k3", "k4"]
    inline = run_units(
        _units(tmp_path / "inline"), Square(), desc="t", executor=InlineExecutor(), progress=False
    )
    assert list(inline.ran) == ["k0", "k1", "k2", "k3", "k4"]


class Held(UnitWork):
    """Counts closes: run_units owns them, finished or failed, so no caller writes its own try/finally."""

    def __init__(self, bad: tuple[str, ...] = ()) -> None:
        self.square, self.closed = Square(bad), 0

    def __call__(self, unit: Unit) -> dict[str, Any]:
        return self.square(unit)

    def close(self) -> None:
        self.closed += 1


def test_run_units_closes_the_work_whether_it_finished_or_failed(tmp_path):
    work = Held()
    run_units(_units(tmp_path / "ok"), work, desc="t", progress=False)
    assert work.closed == 1
    failing = Held(bad=("k2",))
    with pytest.raises(ValueError, match="cannot square k2"):
        run_units(_units(tmp_path / "bad"), failing, desc="t", progress=False)
    assert failing.closed == 1


def test_a_work_that_names_no_inputs_is_refused_for_a_cluster(tmp_path):
    with pytest.raises(TypeError, match="Square cannot run on a cluster: it declares no inputs"):
        Square().inputs(_units(tmp_path)[0])
