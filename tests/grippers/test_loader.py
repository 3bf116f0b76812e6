"""Gripper files: every shipped one loads; each kind of bad file is refused naming the file and field."""

from __future__ import annotations

from pathlib import Path

import pytest
import yaml

from dexgen.errors import InputError
from dexgen.grippers.loader import gripper_names, load_gripper
from dexgen.grippers.spec import ParallelJawGripper

SHIPPED = [
    "franka_panda",
    "onrobot_rg6",
    "robotiq_2f_140",
    "robotiq_2f_85",
    "single_suction_cup_30mm",
    "suction_30mm",
]


def test_registry_lists_shipped_grippers():
    assert gripper_names() == SHIPPED


@pytest.mark.parametrize("name", SHIPPED)
def test_shipped_gripper_loads_with_hash(name):
    g = load_gripper(name)
    assert g.name == name
    assert len(g.sha256) == 64 and g.source.endswith(f"{name}.yaml")


def test_default_is_robotiq_2f_85():
    assert load_gripper().name == "robotiq_2f_85"


def _base() -> dict:
    import importlib.resources

    text = (importlib.resources.files("dexgen.grippers") / "robotiq_2f_85.yaml").read_text()
    return yaml.safe_load(text)


def _write(tmp_path: Path, data: dict) -> Path:
    path = tmp_path / "my_gripper.yaml"
    path.write_text(yaml.safe_dump(data))
    return path


def test_user_file_loads(tmp_path):
    data = _base() | {"name": "my_gripper", "max_opening": 0.05}
    g = load_gripper(_write(tmp_path, data))
    assert isinstance(g, ParallelJawGripper) and g.max_opening == 0.05 and g.name == "my_gripper"


def _drop(key):
    def edit(d):
        d.pop(key)

    return edit


def _set(path, value):
    def edit(d):
        node = d
        for k in path[:-1]:
            node = node[k]
        node[path[-1]] = value

    return edit


BAD = {
    "missing field": (_drop("tcp_depth"), "missing required key 'tcp_depth'"),
    "missing nested field": (lambda d: d["finger"].pop("width"), "missing required key 'width'"),
    "unknown field": (_set(["fingr_length"], 0.1), "unknown key(s) ['fingr_length']"),
    "negative size": (_set(["finger", "thickness"], -0.01), "finger.thickness must be positive"),
    "negative palm size": (_set(["palm", "size"], [0.1, -0.07, 0.09]), "palm.size.y must be positive"),
    "cannot close": (_set(["min_opening"], 0.09), "fingers cannot close"),
    "fingers inside palm": (_set(["palm", "size"], [0.1, 0.07, 0.2]), "fingers cannot reach past the palm"),
    "tcp off pads": (_set(["tcp_depth"], 0.05), "off the finger pads"),
    "wrong type": (_set(["max_opening"], "wide"), "expected a number"),
    "unknown kind": (_set(["kind"], "three_finger"), "kind 'three_finger' is not one of"),
    "loader field": (_set(["sha256"], "abc"), "'sha256' is set by the loader"),
}


@pytest.mark.parametrize("case", sorted(BAD))
def test_bad_file_refused_with_file_and_field(tmp_path, case):
    edit, message = BAD[case]
    data = _base()
    edit(data)
    path = _write(tmp_path, data)
    with pytest.raises(InputError) as info:
        load_gripper(path)
    assert str(info.value).startswith(str(path)), info.value
    assert message in str(info.value)


def test_not_yaml_mapping_refused(tmp_path):
    path = tmp_path / "g.yaml"
    path.write_text("- just\n- a list\n")
    with pytest.raises(InputError, match=r"g\.yaml: expected a mapping"):
        load_gripper(path)


def test_unknown_name_lists_choices():
    with pytest.raises(InputError, match="shipped grippers are"):
        load_gripper("robotiq_3f")
