"""The object-scales JSON: every bad input is refused with an error naming the file and the key."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from dexgen.errors import InputError
from dexgen.objects.scales import read_scales

EXAMPLES = Path(__file__).resolve().parents[2] / "examples/meshes"


@pytest.fixture
def dataset(tmp_path: Path) -> Path:
    root = tmp_path / "meshes"
    shutil.copytree(EXAMPLES, root)
    return root


def write(root: Path, text: str) -> Path:
    path = root / "scales.json"
    path.write_text(text)
    return path


def test_reads_the_example(dataset):
    scales = read_scales(dataset / "object_scales.json", dataset)
    assert scales == {"block.glb": 0.01, "bottle.stl": 1.0, "tools/hammer.obj": 0.001}


def test_missing_json(dataset):
    with pytest.raises(InputError, match=r"nope\.json: object scales JSON not found"):
        read_scales(dataset / "nope.json", dataset)


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ('["bottle.stl"]', "expected a JSON object"),
        ("{bad json", "not valid JSON"),
        ("{}", "lists no objects"),
        ('{"bottle.stl": 0}', "finite positive number, got 0"),
        ('{"bottle.stl": -1.5}', "finite positive number, got -1.5"),
        ('{"bottle.stl": NaN}', "finite positive number, got nan"),
        ('{"bottle.stl": Infinity}', "finite positive number, got inf"),
        ('{"bottle.stl": "1.0"}', "must be a number"),
        ('{"bottle.stl": true}', "must be a number"),
        ('{"../bottle.stl": 1.0}', "escapes the object dataset"),
        ('{"tools/../../x.obj": 1.0}', "escapes the object dataset"),
        ('{"/etc/bottle.stl": 1.0}', "absolute path"),
        ('{"C:/bottle.stl": 1.0}', "no drive letter"),
        ('{"missing.obj": 1.0}', "does not exist under"),
        ('{"bottle.xyz": 1.0}', "unsupported mesh extension '.xyz'"),
    ],
)
def test_bad_scales_json(dataset, text, message):
    path = write(dataset, text)
    with pytest.raises(InputError, match=message) as info:
        read_scales(path, dataset)
    assert str(path) in str(info.value)
