"""``params.yaml: cluster``: addresses Ray accepts, resources that make sense, errors that name the key."""

from __future__ import annotations

import pytest

from dexgen.errors import ConfigError
from dexgen.params.cluster import ClusterConfig
from dexgen.params.tree import params_from_mapping
from dexgen.runner import Unit, UnitWork, run_units


@pytest.mark.parametrize("address", [None, "auto", "ray://head:10001", "10.0.0.5:6379", "127.0.0.1:6379"])
def test_accepted_addresses(address):
    assert ClusterConfig(address=address).enabled == (address is not None)


@pytest.mark.parametrize("address", ["", "head", "http://head:6379", "ray://head", "local"])
def test_refused_addresses(address):
    with pytest.raises(ValueError, match="address must be"):
        ClusterConfig(address=address)


def test_a_bad_value_in_params_names_the_key():
    with pytest.raises(ConfigError, match=r"params.yaml: cluster: cpus_per_task must be > 0"):
        params_from_mapping({"cluster": {"cpus_per_task": 0}}, where="params.yaml")


def test_threads_follow_the_cpus_a_task_holds():
    assert ClusterConfig(cpus_per_task=0.5).threads_per_task == 1
    assert ClusterConfig(cpus_per_task=4).threads_per_task == 4


def test_no_address_runs_locally_and_counts_trials(tmp_path):
    seen = []

    class Work(UnitWork):
        def __call__(self, unit):
            seen.append(unit.key)
            return {"trials": 3}

    work = Work()

    units = [Unit(k, tmp_path / f"{k}.npz", {}) for k in ("a", "b")]
    result = run_units(
        units, work, desc="t", cluster=ClusterConfig(), count=lambda m: m["trials"], progress=False
    )
    assert seen == ["a", "b"] and result.ran == ("a", "b")


@pytest.mark.parametrize("command", ["guess", "simulate"])
def test_a_bad_ray_address_flag_is_refused_naming_it(tmp_path, command):
    from dexgen.cli.main import build_parser

    params = tmp_path / "params.yaml"
    params.write_text("seed: 1\n")
    argv = [command, "--params", str(params), "--objects", str(tmp_path), "--out", str(tmp_path / "o")]
    if command == "simulate":
        argv += ["--guesses", str(tmp_path)]
    args = build_parser().parse_args([*argv, "--ray-address", "not an address"])
    with pytest.raises(ConfigError, match=f"dexgen {command} --ray-address: address must be"):
        args.run(args)
