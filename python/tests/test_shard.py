"""Sharded runs: run_shard/merge in Python, parts of the command line, and Dask."""

from __future__ import annotations

import pathlib

import pytest

import fundcast

from conftest import run_cli

SEED_CASE = "scenarios/ganzhou-2006-2010.toml"
PATHS, SEED = 1300, 21


@pytest.fixture(scope="module")
def single(tmp_path_factory, cli):
    out = tmp_path_factory.mktemp("single")
    run_cli(cli, "run", SEED_CASE, "--paths", str(PATHS), "--seed", str(SEED), "--out", str(out), "--quiet")
    return out


def test_merge_of_python_parts_equals_one_cli_run(single):
    parts = [fundcast.run_shard(SEED_CASE, (k, 3), paths=PATHS, seed=SEED) for k in range(3)]
    assert all(p.startswith(b"fundcast-part 1\n") for p in parts)
    r = fundcast.merge(parts[::-1])
    for name in ["deterministic.csv", "summary.csv", "depletion.csv"]:
        assert r.to_csv(name) == (single / name).read_text(), name
    one = fundcast.run(SEED_CASE, paths=PATHS, seed=SEED)
    assert r.summary.equals(one.summary)


def test_merge_of_cli_parts(cli, single, tmp_path):
    files = []
    for k in range(2):
        f = tmp_path / f"part-{k}"
        run_cli(cli, "run", SEED_CASE, "--paths", str(PATHS), "--seed", str(SEED), "--shard", f"{k}/2", "--out", str(f), "--quiet")
        files.append(f.read_bytes())
    r = fundcast.merge(files)
    r.write(tmp_path / "out")
    for name in ["deterministic.csv", "summary.csv", "depletion.csv"]:
        assert (tmp_path / "out" / name).read_bytes() == (single / name).read_bytes(), name


def test_shards_of_text_with_overrides():
    text = pathlib.Path("scenarios/minimal.toml").read_text()
    ov = {"contributions.rate": 0.25}
    parts = [fundcast.run_shard(text, (k, 2), paths=600, seed=2, overrides=ov) for k in range(2)]
    with pytest.raises(fundcast.PartError, match="scenario="):
        fundcast.merge(parts)
    with pytest.raises(fundcast.PartError, match="not those the shards ran"):
        fundcast.merge(parts, scenario=text)  # without the shards' overrides
    r = fundcast.merge(parts, scenario=text, overrides=ov)
    one = fundcast.run(text, paths=600, seed=2, overrides=ov)
    assert r.to_csv("summary.csv") == one.to_csv("summary.csv")


def test_part_errors():
    parts = [fundcast.run_shard(SEED_CASE, (k, 3), paths=PATHS, seed=SEED) for k in (0, 2)]
    with pytest.raises(fundcast.PartError, match="a shard is missing"):
        fundcast.merge(parts)
    with pytest.raises(fundcast.PartError, match="not a fundcast part"):
        fundcast.merge([b"hello"])
    damaged = bytearray(parts[0])
    damaged[-40] ^= 1
    with pytest.raises(fundcast.PartError, match="damaged"):
        fundcast.merge([bytes(damaged), parts[1]])
    with pytest.raises(fundcast.InputError, match="shard"):
        fundcast.run_shard(SEED_CASE, (3, 3), paths=PATHS)
    assert fundcast.shard_paths(PATHS, 0, 3) == (0, 512)  # 6 blocks of 256
    assert fundcast.shard_paths(PATHS, 2, 3) == (1024, PATHS)


def test_dask_local_cluster_equals_cli(single, tmp_path):
    import distributed  # installed by .ci/run: missing is a failure, not a skip
    import fundcast.dask

    with distributed.LocalCluster(
        n_workers=2, threads_per_worker=1, processes=False, dashboard_address=None
    ) as cluster, distributed.Client(cluster) as client:
        r = fundcast.dask.run(SEED_CASE, paths=PATHS, seed=SEED, shards=4, client=client)
        # The current client is the default.
        r2 = fundcast.dask.run(SEED_CASE, paths=PATHS, seed=SEED)
    from test_run import assert_frame_equals_csv
    from conftest import read_csv

    assert_frame_equals_csv(r.summary, read_csv(single / "summary.csv"))
    r.write(tmp_path / "dask")
    for name in ["deterministic.csv", "summary.csv", "depletion.csv"]:
        assert (tmp_path / "dask" / name).read_bytes() == (single / name).read_bytes(), name
    assert r2.to_csv("summary.csv") == r.to_csv("summary.csv")
