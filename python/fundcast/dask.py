"""Sharded Monte Carlo runs on a Dask cluster.

:func:`run` maps the shards of one run over the cluster's workers
(:func:`fundcast.run_shard` on each, which gives a part file's bytes), gathers the parts
and merges them (:func:`fundcast.merge`): the same numbers as one run, bit for bit,
whatever the number of shards or workers. Each shard projects its share of the paths
plus the pilot (the first 1,024 paths, which fix the quantile bins).

A scenario given as a path must be readable at that path on every worker (a shared
file system, or a local cluster); a TOML string or a dict travels with the tasks.
"""

from __future__ import annotations

import os
from typing import Any, Mapping, Optional

import fundcast

__all__ = ["run"]


def _shard(
    k: int,
    scenario: Any,
    n: int,
    paths: Optional[int],
    seed: Optional[int],
    threads: Optional[int],
    overrides: Optional[Mapping[str, Any]],
) -> bytes:
    return fundcast.run_shard(
        scenario, (k, n), paths=paths, seed=seed, threads=threads, overrides=overrides
    )


def run(
    scenario: "fundcast.Scenario",
    *,
    paths: Optional[int] = None,
    seed: Optional[int] = None,
    shards: Optional[int] = None,
    client: Any = None,
    threads: Optional[int] = 1,
    overrides: Optional[Mapping[str, "fundcast.Change"]] = None,
) -> "fundcast.Run":
    """Runs ``paths`` Monte Carlo paths of ``scenario`` as ``shards`` tasks on the Dask
    cluster of ``client`` (default: the current client, ``distributed.get_client()``)
    and merges them into a :class:`fundcast.Run`.

    ``shards`` defaults to the cluster's worker threads; ``threads`` is each task's
    engine threads (default 1: the cluster's threads run the shards side by side; the
    engine releases the GIL, so a threaded worker runs its tasks in parallel).
    ``paths`` and ``seed`` default to the scenario's.
    """
    if client is None:
        from distributed import get_client

        client = get_client()
    if shards is None:
        shards = max(1, sum(client.nthreads().values()))
    if shards < 1 or shards > 10_000:
        raise fundcast.InputError(f"shards `{shards}`: expected 1..=10000")
    if isinstance(scenario, os.PathLike):
        scenario = os.fspath(scenario)
    elif isinstance(scenario, Mapping):
        scenario = dict(scenario)
    ov = None if overrides is None else dict(overrides)
    futures = client.map(
        _shard,
        range(shards),
        scenario=scenario,
        n=shards,
        paths=paths,
        seed=seed,
        threads=threads,
        overrides=ov,
        pure=False,
    )
    parts = client.gather(futures)
    return fundcast.merge(parts, scenario=scenario, overrides=ov)
