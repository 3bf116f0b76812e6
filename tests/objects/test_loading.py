"""Mesh loading and repair: fixes what can be fixed, refuses the rest naming the file."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
import trimesh

from dexgen.errors import InputError
from dexgen.objects.loading import read_mesh, repair_mesh
from dexgen.params.objects import MeshBounds

EXAMPLES = Path(__file__).resolve().parents[2] / "examples/meshes"
BOUNDS = MeshBounds()


def test_multi_geometry_file_becomes_one_mesh():
    mesh = read_mesh(EXAMPLES / "tools/hammer.obj")
    repaired, _ = repair_mesh(mesh, scale=0.001, bounds=BOUNDS, name="hammer")
    # a 60 x 20 x 20 mm head over a 100 mm shaft, 110 mm in all: both parts are present, in metres.
    np.testing.assert_allclose(repaired.extents, [0.06, 0.02, 0.11], atol=1e-6)
    assert repaired.body_count == 2


@pytest.mark.parametrize("name", ["bottle.stl", "block.glb", "tools/hammer.obj"])
def test_every_example_format_loads(name):
    assert len(read_mesh(EXAMPLES / name).faces) > 0


def test_inverted_winding_and_duplicates_are_repaired():
    box = trimesh.creation.box(extents=[0.04, 0.05, 0.06])
    faces = box.faces.copy()
    faces[:4] = faces[:4, ::-1]  # four faces wound inwards
    faces = np.vstack([faces, faces[:2], [[0, 0, 1]]])  # two duplicates and a degenerate face
    mesh = trimesh.Trimesh(box.vertices, faces, process=False)
    repaired, repairs = repair_mesh(mesh, scale=1.0, bounds=BOUNDS, name="box")
    assert repairs["duplicate_faces"] == 2
    assert repairs["degenerate_faces"] == 1
    assert len(repaired.faces) == 12
    assert repaired.is_winding_consistent and repaired.is_watertight
    assert repaired.volume == pytest.approx(0.04 * 0.05 * 0.06)


def test_nan_vertices_are_refused(tmp_path):
    path = tmp_path / "nan.obj"
    path.write_text("v 0 0 0\nv 1 0 0\nv nan 1 0\nv 0 0 1\nf 1 2 3\nf 1 2 4\nf 1 3 4\nf 2 3 4\n")
    mesh = read_mesh(path)
    with pytest.raises(InputError, match=r"nan\.obj: 1 vertices are NaN or infinite"):
        repair_mesh(mesh, scale=0.05, bounds=BOUNDS, name=str(path))


def test_empty_file_is_refused(tmp_path):
    path = tmp_path / "empty.stl"
    path.write_bytes(b"")
    with pytest.raises(InputError, match=r"empty\.stl: file is empty"):
        read_mesh(path)


def test_unreadable_file_is_refused(tmp_path):
    path = tmp_path / "junk.glb"
    path.write_bytes(b"this is not a glb file at all")
    with pytest.raises(InputError, match=r"junk\.glb: "):
        read_mesh(path)


def test_unsupported_extension_is_refused(tmp_path):
    path = tmp_path / "mesh.dae"
    path.write_text("<collada/>")
    with pytest.raises(InputError, match=r"mesh\.dae: unsupported mesh extension '\.dae'"):
        read_mesh(path)


def test_flat_mesh_is_refused():
    plane = trimesh.Trimesh([[0, 0, 0], [0.1, 0, 0], [0, 0.1, 0], [0.1, 0.1, 0]], [[0, 1, 2], [1, 3, 2]])
    with pytest.raises(InputError, match="plane: zero extent"):
        repair_mesh(plane, scale=1.0, bounds=BOUNDS, name="plane")


@pytest.mark.parametrize(("scale", "message"), [(1000.0, "outside"), (1e-5, "outside")])
def test_absurd_scaled_size_is_refused(scale, message):
    box = trimesh.creation.box(extents=[0.05, 0.05, 0.05])
    with pytest.raises(InputError, match=f"box: scaled size .* is {message}.*check the scale"):
        repair_mesh(box, scale=scale, bounds=BOUNDS, name="box")
