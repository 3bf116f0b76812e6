"""Which hand a stage gets (box or real), and the real hand's record block round trip."""

from __future__ import annotations

import pytest

from dexgen.errors import InputError
from dexgen.grippers.hand import is_box, load_hand
from dexgen.grippers.model import GripperModel
from dexgen.grippers.spec import ParallelJawGripper
from dexgen.records.grippers import gripper_from_record, gripper_record, parallel_jaw_from_record
from tests.tiny_hands import write_hand


def test_box_names_stay_box_grippers_and_real_ones_become_models(tmp_path):
    assert isinstance(load_hand("robotiq_2f_85"), ParallelJawGripper)
    urdf = write_hand(tmp_path)
    pointer = tmp_path / "hand.yaml"
    pointer.write_text(f"description: {urdf.name}\nclosing_force: 50\n")
    assert not is_box(urdf) and not is_box(pointer) and not is_box("robotiq_2f_85_real")
    for given in (urdf, pointer):
        assert isinstance(load_hand(given), GripperModel)


def test_real_hand_block_rebuilds_the_same_model(tmp_path):
    urdf = write_hand(tmp_path, kind="curl")
    model = load_hand(str(urdf))
    block = gripper_record(model)
    assert block["description"] == str(urdf.resolve()) and "yaml" not in block
    again = parallel_jaw_from_record(block, where="g.npz")
    assert again.sha256 == model.sha256 and (again.poses == model.poses).all()


def test_a_description_changed_since_is_refused_naming_the_file(tmp_path):
    urdf = write_hand(tmp_path)
    block = gripper_record(load_hand(urdf))
    urdf.write_text(urdf.read_text().replace('upper="0.04"', 'upper="0.03"'))
    with pytest.raises(InputError, match=r"g\.npz: gripper .* changed since"):
        gripper_from_record(block, where="g.npz")
    urdf.unlink()
    with pytest.raises(InputError, match=r"g\.npz: cannot rebuild gripper"):
        gripper_from_record(block, where="g.npz")


def test_a_real_hand_above_the_force_bound_is_refused(tmp_path):
    pointer = tmp_path / "strong.yaml"
    write_hand(tmp_path)
    pointer.write_text("description: slide.urdf\nclosing_force: 20000\n")
    with pytest.raises(InputError, match=r"strong\.yaml: closing force 20000"):
        load_hand(pointer)
