"""Session fixtures: the real Robotiq 2F-85 URDF and the MJCF and USD derived from it (built once)."""

from __future__ import annotations

import logging
from pathlib import Path

import airo_models
import pytest
import yourdfpy
from gripper_descriptions import DRIVEN, write_mjcf, write_usd


@pytest.fixture(scope="session")
def robotiq_urdf() -> Path:
    return Path(airo_models.get_urdf_path("robotiq_2f_85"))


@pytest.fixture(scope="session")
def robotiq_yourdfpy(robotiq_urdf):
    logging.getLogger("yourdfpy").setLevel(logging.ERROR)  # it warns about the URDF's drake: tags
    return yourdfpy.URDF.load(
        str(robotiq_urdf), build_collision_scene_graph=True, load_meshes=False, load_collision_meshes=True
    )


@pytest.fixture(scope="session")
def robotiq_mjcf(robotiq_urdf, robotiq_yourdfpy, tmp_path_factory) -> Path:
    return write_mjcf(robotiq_urdf, robotiq_yourdfpy, tmp_path_factory.mktemp("mjcf") / "robotiq_2f_85.xml")


@pytest.fixture(scope="session")
def robotiq_usd(robotiq_yourdfpy, tmp_path_factory) -> Path:
    return write_usd(robotiq_yourdfpy, DRIVEN, tmp_path_factory.mktemp("usd") / "robotiq_2f_85.usda")
