"""dexgen.portable: the same bits whichever BLAS kernel or numpy SIMD path the CPU gets.

Two machines of one kind disagreed in 3 of 4,247 simulate labels because start poses went through
``@`` / ``np.linalg.inv`` (OpenBLAS picks its kernel per CPU). The subprocess tests run the label path
under two OpenBLAS kernels and two numpy SIMD levels that every x86-64-v3 CPU can run, and compare bytes.
"""

import os
import platform
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest
from scipy.spatial.transform import Rotation

from dexgen import portable

SRC = str(Path(__file__).resolve().parents[1] / "src")


def _rigid(n, seed=0):
    rng = np.random.default_rng(seed)
    T = np.broadcast_to(np.eye(4), (n, 4, 4)).copy()
    T[:, :3, :3] = Rotation.random(n, random_state=seed).as_matrix()
    T[:, :3, 3] = rng.normal(0, 0.1, (n, 3))
    return T


def test_matmul_agrees_with_numpy_and_broadcasts():
    rng = np.random.default_rng(1)
    a, b = rng.normal(size=(5, 3, 4)), rng.normal(size=(4, 2))
    np.testing.assert_allclose(portable.matmul(a, b), a @ b, rtol=0, atol=1e-14)
    np.testing.assert_allclose(portable.matmul(b.T, a[0].T), b.T @ a[0].T, rtol=0, atol=1e-14)
    with pytest.raises(ValueError, match="do not chain"):
        portable.matmul(a, a)


def test_rigid_inverse_inverts_rigid_transforms():
    T = _rigid(50)
    inv = portable.rigid_inverse(T)
    np.testing.assert_allclose(portable.matmul(T, inv), np.broadcast_to(np.eye(4), T.shape), atol=1e-14)
    np.testing.assert_allclose(inv, np.linalg.inv(T), atol=1e-14)


def test_inverse_trigonometry_and_norm_match_numpy_within_an_ulp():
    x = np.linspace(-1, 1, 1001)
    np.testing.assert_allclose(portable.arccos(x), np.arccos(x), rtol=4e-16, atol=4e-16)
    np.testing.assert_allclose(portable.arctan(x * 7), np.arctan(x * 7), rtol=4e-16)
    np.testing.assert_allclose(portable.arctan2(x, x[::-1]), np.arctan2(x, x[::-1]), rtol=4e-16, atol=4e-16)
    v = np.random.default_rng(2).normal(size=(20, 3))
    np.testing.assert_allclose(portable.norm(v), np.linalg.norm(v, axis=1), rtol=4e-16)
    assert portable.arccos(np.zeros((2, 3))).shape == (2, 3)


# Everything the label path computes with the functions above, hashed: simulate's start poses and
# rotation drift, the Dex-Net crops, render directions and antipodal-grasp frames.
CHILD = """
import hashlib, numpy as np
from scipy.spatial.transform import Rotation
from dexgen import portable
from dexgen.sim.mujoco_backend import start_poses
from dexgen.sim.evaluate import rotation_angle
from dexgen.dexnet.synth.crops import grasp_crops
rng = np.random.default_rng(0)
T = np.broadcast_to(np.eye(4), (300, 4, 4)).copy()
T[:, :3, :3] = Rotation.random(300, random_state=0).as_matrix()
T[:, :3, 3] = rng.normal(0, 0.1, (300, 3))
depth = rng.uniform(0.5, 0.8, (480, 640)).astype(np.float32)
parts = [*start_poses(T, "top_down"), rotation_angle(T[:, :3, :3]),
         grasp_crops(depth, rng.uniform(100, 400, (40, 2)), rng.uniform(0, 6.3, 40)),
         portable.matmul(rng.normal(size=(5000, 3)), T[0, :3, :3].T),
         portable.arctan2(rng.normal(size=999), rng.normal(size=999))]
print(hashlib.sha256(b"".join(np.ascontiguousarray(p).tobytes() for p in parts)).hexdigest())
"""


def _hash_under(**env_vars) -> str:
    env = {k: v for k, v in os.environ.items() if k not in ("OPENBLAS_L2_SIZE", "NPY_DISABLE_CPU_FEATURES")}
    env.update(env_vars, PYTHONPATH=SRC + os.pathsep + os.environ.get("PYTHONPATH", ""))
    done = subprocess.run([sys.executable, "-c", CHILD], env=env, capture_output=True, text=True, timeout=120)
    if done.returncode:
        pytest.fail(f"child failed under {env_vars}: {done.stderr.strip().splitlines()[-1:]}")
    return done.stdout.strip()


needs_x86 = pytest.mark.skipif(platform.machine() != "x86_64", reason="OpenBLAS core types are x86-64 names")


@pytest.mark.slow  # each child imports the label path (MuJoCo, scipy): ~5 s apiece
@needs_x86
def test_label_path_bits_do_not_depend_on_the_blas_kernel():
    assert _hash_under(OPENBLAS_CORETYPE="Haswell") == _hash_under(OPENBLAS_CORETYPE="Prescott")


@pytest.mark.slow
@needs_x86
def test_label_path_bits_do_not_depend_on_numpy_simd_level():
    from numpy._core._multiarray_umath import __cpu_features__ as have

    avx512 = [f for f in ("X86_V4", "AVX512_ICL", "AVX512_SKX") if have.get(f)]
    if not avx512:
        pytest.skip("this CPU has no AVX-512 path to switch off")
    assert _hash_under() == _hash_under(NPY_DISABLE_CPU_FEATURES=" ".join(avx512))
