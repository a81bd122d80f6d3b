"""fundcast: actuarial Monte Carlo projections of social insurance pension funds.

The Python face of the Rust engine: the same numbers as the ``fundcast`` command, bit
for bit. A scenario is a path, a TOML string or a dict; ``overrides`` change keys by
their path as ``solve`` and ``sensitivity`` do (``{"contributions.rate": 0.22}``,
``{"economy.fund_return": "d+0.01"}``). The engine runs with the GIL released.

>>> import fundcast
>>> r = fundcast.run("scenarios/minimal.toml", paths=1000, seed=7)   # doctest: +SKIP
>>> r.summary.head()                                                 # doctest: +SKIP

Results are pandas DataFrames (``.deterministic``, ``.summary``, ``.depletion``,
``.paths``); ``.arrow`` gives the same tables as Arrow (``pyarrow.table(r.arrow.summary)``,
``polars.DataFrame(r.arrow.summary)``) without a copy and without pandas. See
docs/python.md.
"""

from __future__ import annotations

import os
from typing import Any, Dict, List, Mapping, Optional, Sequence, Tuple, Union

from . import _fundcast
from ._fundcast import METRICS, PATH_MEASURES, STATS, Solution, Table, __version__
from .errors import (
    Diagnostic,
    FundcastError,
    InputError,
    NoSolution,
    PartError,
    ScenarioError,
)

__all__ = [
    "run",
    "check",
    "compare",
    "solve",
    "sensitivity",
    "run_shard",
    "merge",
    "shard_paths",
    "Run",
    "Tables",
    "Comparison",
    "Sensitivity",
    "Solution",
    "Table",
    "Diagnostic",
    "FundcastError",
    "ScenarioError",
    "InputError",
    "NoSolution",
    "PartError",
    "METRICS",
    "STATS",
    "PATH_MEASURES",
    "__version__",
]

#: A scenario: a path (``str`` without ``=`` or a newline, or ``os.PathLike``), TOML
#: text (a ``str`` with ``=`` or a newline), or a dict of its tables.
Scenario = Union[str, "os.PathLike[str]", Mapping[str, Any]]
#: A change of a key: a number sets it; ``"x1.1"`` scales every number under it,
#: ``"d+0.01"`` / ``"d-0.01"`` shifts them, ``"0.3"`` sets it.
Change = Union[float, int, str]


def _scenario(s: Any) -> Any:
    if isinstance(s, Mapping) and not isinstance(s, dict):
        return dict(s)
    return s


def _overrides(o: Optional[Mapping[str, Change]]) -> Optional[Dict[str, Change]]:
    return None if o is None else dict(o)


class Tables:
    """A run's tables as :class:`Table` (Arrow columns, no copy, no pandas)."""

    def __init__(self, raw: Any) -> None:
        self._raw = raw

    @property
    def deterministic(self) -> Table:
        """``deterministic.csv``: ``year``, then every metric."""
        return self._raw.deterministic()

    @property
    def summary(self) -> Table:
        """``summary.csv``: ``year``, ``metric``, ``stat``, ``value``."""
        return self._raw.summary()

    @property
    def depletion(self) -> Table:
        """``depletion.csv``: ``year``, ``p_depleted_by``, ``p_depleted_in``."""
        return self._raw.depletion()

    @property
    def path_measures_summary(self) -> Table:
        """The whole-path measures over paths (``run.json``'s ``path_measures``)."""
        return self._raw.path_measures_summary()

    @property
    def paths(self) -> Table:
        """Each kept path's yearly metrics (``keep_paths=True``)."""
        return self._raw.paths()

    @property
    def path_measures(self) -> Table:
        """Each kept path's depletion year and whole-path measures (``keep_paths=True``)."""
        return self._raw.path_measures()


class Run:
    """The result of :func:`run` or :func:`merge`.

    The DataFrames are made when first asked for (pandas is imported then) and kept.
    """

    def __init__(self, raw: Any) -> None:
        self._raw = raw
        self._frames: Dict[str, Any] = {}
        self.arrow = Tables(raw)
        """The same tables as :class:`Table` (Arrow PyCapsule interface)."""

    def _frame(self, name: str) -> Any:
        if name not in self._frames:
            self._frames[name] = getattr(self.arrow, name).to_pandas()
        return self._frames[name]

    @property
    def deterministic(self) -> Any:
        """The deterministic projection (every shock zero) as ``deterministic.csv`` has
        it: one row per year, ``year`` then every metric."""
        return self._frame("deterministic")

    @property
    def summary(self) -> Any:
        """The Monte Carlo summary as ``summary.csv`` has it (long form): ``year``,
        ``metric``, ``stat`` (``mean``, ``sd``, ``p1`` … ``p99``), ``value``. Raises
        ``ValueError`` for a run without paths."""
        return self._frame("summary")

    @property
    def depletion(self) -> Any:
        """``depletion.csv``: ``year``, ``p_depleted_by``, ``p_depleted_in``."""
        return self._frame("depletion")

    @property
    def path_measures_summary(self) -> Any:
        """``cumulative_deficit``, ``cumulative_subsidy``, ``pv_deficits`` over paths:
        ``measure``, ``stat``, ``value``."""
        return self._frame("path_measures_summary")

    @property
    def paths(self) -> Any:
        """Each path's yearly metrics, one row per path and year (``path``, ``year``,
        then every metric). Only for a run with ``keep_paths=True``: raises
        ``ValueError`` otherwise."""
        return self._frame("paths")

    @property
    def path_measures(self) -> Any:
        """Each path's ``depletion_year`` (NaN when the fund lasts) and whole-path
        measures; only with ``keep_paths=True``."""
        return self._frame("path_measures")

    @property
    def name(self) -> str:
        return self._raw.name

    @property
    def currency(self) -> str:
        return self._raw.currency

    @property
    def base_year(self) -> int:
        return self._raw.base_year

    @property
    def horizon(self) -> int:
        return self._raw.horizon

    @property
    def scenario(self) -> str:
        """The scenario as the run names it (its path as given, ``<string>``, ``<dict>``)."""
        return self._raw.scenario

    @property
    def n_paths(self) -> int:
        """Monte Carlo paths (0: the deterministic projection only)."""
        return self._raw.n_paths

    @property
    def seed(self) -> Optional[int]:
        return self._raw.seed

    @property
    def threads(self) -> Optional[int]:
        return self._raw.threads

    @property
    def elapsed_seconds(self) -> Optional[float]:
        return self._raw.elapsed_seconds

    @property
    def deterministic_depletion_year(self) -> Optional[int]:
        """The year the deterministic projection's fund runs out, or ``None``."""
        return self._raw.deterministic_depletion_year

    @property
    def has_paths(self) -> bool:
        """Whether each path's values were kept (``keep_paths=True``)."""
        return self._raw.has_paths

    def to_csv(self, name: str) -> str:
        """The text of ``deterministic.csv``, ``summary.csv``, ``depletion.csv`` or
        ``run.json`` as ``fundcast run`` writes it (``run.json`` differs only in its
        timing fields and thread count)."""
        return self._raw.to_csv(name)

    def write(self, out: Union[str, "os.PathLike[str]"]) -> List[str]:
        """Writes the run's files into the folder ``out`` as ``fundcast run --out``
        does (each written to a temporary name and renamed); gives their paths."""
        return [os.fspath(p) for p in self._raw.write(os.fspath(out))]

    def __repr__(self) -> str:
        return (
            f"fundcast.Run({self.name!r}, {self.base_year}–{self.horizon}, "
            f"{self.n_paths} paths)"
        )


class Comparison:
    """The result of :func:`compare`: ``comparison.csv`` as a table."""

    def __init__(self, raw: Any) -> None:
        self._raw = raw
        self._table: Any = None

    @property
    def names(self) -> List[str]:
        """The scenarios: the base, then each variant."""
        return self._raw.names

    @property
    def n_paths(self) -> int:
        return self._raw.n_paths

    @property
    def marked_years(self) -> List[int]:
        return self._raw.marked_years

    @property
    def arrow(self) -> Table:
        """The table as Arrow columns."""
        return self._raw.table()

    @property
    def table(self) -> Any:
        """``scenario``, ``measure``, ``value``, ``difference``, ``se_paired``,
        ``se_unpaired`` (NaN where ``comparison.csv`` has an empty cell)."""
        if self._table is None:
            self._table = self.arrow.to_pandas()
        return self._table

    def to_csv(self) -> str:
        """``comparison.csv`` as ``fundcast compare`` writes it."""
        return self._raw.to_csv()


class Sensitivity:
    """The result of :func:`sensitivity`: the tornado table, largest swing first."""

    def __init__(self, raw: Any) -> None:
        self._raw = raw
        self._table: Any = None

    @property
    def measure(self) -> str:
        return self._raw.measure

    @property
    def base(self) -> float:
        """The measure on the scenario as it is."""
        return self._raw.base

    @property
    def base_standard_error(self) -> float:
        return self._raw.base_standard_error

    @property
    def arrow(self) -> Table:
        return self._raw.table()

    @property
    def table(self) -> Any:
        """``key``, ``low``, ``high``, ``measure``, ``base``, ``at_low``, ``at_high``,
        ``swing``, ``note`` (``sensitivity.csv``'s columns)."""
        if self._table is None:
            self._table = self.arrow.to_pandas()
        return self._table

    def to_csv(self) -> str:
        """``sensitivity.csv`` as ``fundcast sensitivity`` writes it."""
        return self._raw.to_csv()


def run(
    scenario: Scenario,
    *,
    paths: Optional[int] = None,
    seed: Optional[int] = None,
    threads: Optional[int] = None,
    overrides: Optional[Mapping[str, Change]] = None,
    keep_paths: bool = False,
) -> Run:
    """Projects a scenario: the deterministic projection and, with ``paths``, the Monte
    Carlo summary (``fundcast run``).

    ``paths`` defaults to the scenario's ``paths`` (else none: the deterministic
    projection only), ``seed`` to its ``seed``, ``threads`` to every core (the result
    does not depend on it). ``keep_paths=True`` also keeps every path's values for
    :attr:`Run.paths` (at most 2**26 values: about 58,000 paths of a 46-year scenario);
    the summary is the same either way.

    Raises :class:`ScenarioError` for a bad scenario, :class:`InputError` for a bad
    argument or numbers that overflow.
    """
    return Run(
        _fundcast.run(
            _scenario(scenario),
            paths=paths,
            seed=seed,
            threads=threads,
            overrides=_overrides(overrides),
            keep_paths=keep_paths,
        )
    )


def check(
    scenario: Scenario, *, overrides: Optional[Mapping[str, Change]] = None
) -> Dict[str, Any]:
    """Validates a scenario (``fundcast check``); gives its name, currency, years, ages,
    paths, seed and metrics, or raises :class:`ScenarioError` listing every problem."""
    return _fundcast.check(_scenario(scenario), overrides=_overrides(overrides))


def compare(
    base: Scenario,
    variants: Sequence[Scenario],
    *,
    paths: Optional[int] = None,
    seed: Optional[int] = None,
    threads: Optional[int] = None,
    names: Optional[Sequence[str]] = None,
) -> Comparison:
    """Runs a base and its variants on common random numbers (``fundcast compare``).
    ``paths`` defaults to the base's ``paths``, else 1000; ``names`` to each file's
    stem (a scenario given as text or a dict: its ``name``)."""
    return Comparison(
        _fundcast.compare(
            _scenario(base),
            [_scenario(v) for v in variants],
            paths=paths,
            seed=seed,
            threads=threads,
            names=None if names is None else list(names),
        )
    )


def solve(
    scenario: Scenario,
    lever: str,
    target: str,
    *,
    range: Optional[Tuple[float, float]] = None,
    tolerance: Optional[float] = None,
    paths: Optional[int] = None,
    seed: Optional[int] = None,
    threads: Optional[int] = None,
    overrides: Optional[Mapping[str, Change]] = None,
) -> Solution:
    """Finds the value of ``lever`` (a key path) that meets ``target``, e.g.
    ``"p_depleted_by(2050) <= 0.05"`` (``fundcast solve``). ``range`` defaults to the
    usual one of the lever; ``tolerance`` to a 10,000th of it; ``paths`` to the
    scenario's, else 1000 (none for a target that needs no paths). Raises
    :class:`NoSolution` when no value in the range meets the target."""
    return _fundcast.solve(
        _scenario(scenario),
        lever,
        target,
        range=None if range is None else (float(range[0]), float(range[1])),
        tolerance=tolerance,
        paths=paths,
        seed=seed,
        threads=threads,
        overrides=_overrides(overrides),
    )


def sensitivity(
    scenario: Scenario,
    measure: str,
    *,
    vary: Optional[Mapping[str, Tuple[Change, Change]]] = None,
    paths: Optional[int] = None,
    seed: Optional[int] = None,
    threads: Optional[int] = None,
    overrides: Optional[Mapping[str, Change]] = None,
) -> Sensitivity:
    """One-at-a-time sensitivity of ``measure`` (``fundcast sensitivity``): ``vary``
    maps keys to ``(low, high)`` changes, e.g.
    ``{"contributions.rate": ("d-0.01", "d+0.01")}``; by default the main assumptions
    at ±10 % or ±1 point."""
    return Sensitivity(
        _fundcast.sensitivity(
            _scenario(scenario),
            measure,
            vary=None if vary is None else {k: tuple(v) for k, v in vary.items()},
            paths=paths,
            seed=seed,
            threads=threads,
            overrides=_overrides(overrides),
        )
    )


def run_shard(
    scenario: Scenario,
    shard: Tuple[int, int],
    *,
    paths: Optional[int] = None,
    seed: Optional[int] = None,
    threads: Optional[int] = None,
    overrides: Optional[Mapping[str, Change]] = None,
) -> bytes:
    """Runs shard ``k`` of ``n`` (``shard=(k, n)``, ``k`` from 0) of a Monte Carlo run
    (``fundcast run --shard K/N``); gives the part file's bytes for :func:`merge`.
    Every shard of a run takes the same ``paths``, ``seed`` and ``overrides``."""
    return _fundcast.run_shard(
        _scenario(scenario),
        (int(shard[0]), int(shard[1])),
        paths=paths,
        seed=seed,
        threads=threads,
        overrides=_overrides(overrides),
    )


def merge(
    parts: Sequence[bytes],
    *,
    scenario: Optional[Scenario] = None,
    overrides: Optional[Mapping[str, Change]] = None,
) -> Run:
    """Merges the parts of a sharded run, in any order (``fundcast merge``): the same
    numbers as one run, bit for bit. The scenario is read again from the path the parts
    name, or from ``scenario`` (required when the shards were given text or a dict);
    ``overrides`` must be those of the shards. Raises :class:`PartError` for parts
    that do not tile one run."""
    return Run(
        _fundcast.merge(
            [bytes(p) for p in parts],
            scenario=None if scenario is None else _scenario(scenario),
            overrides=_overrides(overrides),
        )
    )


def shard_paths(paths: int, k: int, n: int) -> Tuple[int, int]:
    """The paths ``(first, end)`` that shard ``k`` of ``n`` of a run of ``paths`` paths
    projects (whole blocks of 256)."""
    return _fundcast.shard_paths(paths, k, n)
