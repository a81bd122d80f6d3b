"""Type stubs of the extension module ``fundcast._fundcast`` (the Rust engine)."""

from typing import Any, Dict, List, Optional, Sequence, Tuple, Union

__version__: str
METRICS: List[str]
"""Every yearly metric of the registry, in column order (a model reports the first
``len(check(s)["metrics"])``)."""
STATS: List[str]
"""The statistics of ``summary.csv``: mean, sd, p1, p5, p10, p25, p50, p75, p90, p95, p99."""
PATH_MEASURES: List[str]
"""The whole-path measures: cumulative_deficit, cumulative_subsidy, pv_deficits."""

_Scenario = Any
_Change = Union[float, int, str]

class Table:
    """A table of float64, int64 and utf8 columns (no nulls), exported to Arrow without
    a copy through the PyCapsule interface."""

    @property
    def column_names(self) -> List[str]: ...
    @property
    def column_types(self) -> List[str]:
        """``"float64"``, ``"int64"`` or ``"utf8"`` for each column."""
    @property
    def num_rows(self) -> int: ...
    @property
    def num_columns(self) -> int: ...
    def __len__(self) -> int: ...
    def column(self, key: Union[int, str]) -> List[Any]: ...
    def column_bytes(self, key: Union[int, str]) -> bytes:
        """A numeric column as little-endian bytes, 8 per value."""
    def to_pydict(self) -> Dict[str, List[Any]]: ...
    def to_pandas(self) -> Any:
        """The table as a ``pandas.DataFrame``."""
    def __arrow_c_schema__(self) -> object:
        """An ``arrow_schema`` PyCapsule."""
    def __arrow_c_array__(self, requested_schema: Optional[object] = None) -> Tuple[object, object]:
        """``(arrow_schema, arrow_array)`` PyCapsules of one struct array."""
    def __arrow_c_stream__(self, requested_schema: Optional[object] = None) -> object:
        """An ``arrow_array_stream`` PyCapsule of one batch."""

class RunResult:
    name: str
    currency: str
    base_year: int
    horizon: int
    scenario: str
    n_paths: int
    seed: Optional[int]
    threads: Optional[int]
    elapsed_seconds: Optional[float]
    deterministic_depletion_year: Optional[int]
    has_paths: bool
    def deterministic(self) -> Table: ...
    def summary(self) -> Table: ...
    def depletion(self) -> Table: ...
    def path_measures_summary(self) -> Table: ...
    def paths(self) -> Table: ...
    def path_measures(self) -> Table: ...
    def to_csv(self, name: str) -> str: ...
    def write(self, out: str) -> List[str]: ...

class ComparisonResult:
    names: List[str]
    n_paths: int
    marked_years: List[int]
    def table(self) -> Table: ...
    def to_csv(self) -> str: ...

class SensitivityResult:
    measure: str
    base: float
    base_standard_error: float
    def table(self) -> Table: ...
    def to_csv(self) -> str: ...

class Solution:
    """The answer of ``solve``."""

    lever: str
    value: float
    """The lever value found."""
    measure: str
    achieved: float
    """The measure at ``value``."""
    standard_error: float
    """Its Monte Carlo standard error (0 when deterministic)."""
    tried: List[Tuple[float, float]]
    """Every lever value tried, with the measure there."""
    whole_range: bool
    """Whether the target holds over the whole range (``value`` is then its low end)."""
    n_paths: int
    seed: int

def run(
    scenario: _Scenario,
    *,
    paths: Optional[int] = None,
    seed: Optional[int] = None,
    threads: Optional[int] = None,
    overrides: Optional[Dict[str, _Change]] = None,
    keep_paths: bool = False,
) -> RunResult: ...
def check(scenario: _Scenario, *, overrides: Optional[Dict[str, _Change]] = None) -> Dict[str, Any]: ...
def compare(
    base: _Scenario,
    variants: List[_Scenario],
    *,
    paths: Optional[int] = None,
    seed: Optional[int] = None,
    threads: Optional[int] = None,
    names: Optional[List[str]] = None,
) -> ComparisonResult: ...
def solve(
    scenario: _Scenario,
    lever: str,
    target: str,
    *,
    range: Optional[Tuple[float, float]] = None,
    tolerance: Optional[float] = None,
    paths: Optional[int] = None,
    seed: Optional[int] = None,
    threads: Optional[int] = None,
    overrides: Optional[Dict[str, _Change]] = None,
) -> Solution: ...
def sensitivity(
    scenario: _Scenario,
    measure: str,
    *,
    vary: Optional[Dict[str, Tuple[_Change, _Change]]] = None,
    paths: Optional[int] = None,
    seed: Optional[int] = None,
    threads: Optional[int] = None,
    overrides: Optional[Dict[str, _Change]] = None,
) -> SensitivityResult: ...
def run_shard(
    scenario: _Scenario,
    shard: Tuple[int, int],
    *,
    paths: Optional[int] = None,
    seed: Optional[int] = None,
    threads: Optional[int] = None,
    overrides: Optional[Dict[str, _Change]] = None,
) -> bytes: ...
def merge(
    parts: Sequence[bytes],
    *,
    scenario: Optional[_Scenario] = None,
    overrides: Optional[Dict[str, _Change]] = None,
) -> RunResult: ...
def shard_paths(paths: int, k: int, n: int) -> Tuple[int, int]: ...
