"""fundcast tables as pandas DataFrames (pandas and numpy are imported only here)."""

from __future__ import annotations

from typing import Any


def to_pandas(table: Any) -> Any:
    """A :class:`fundcast.Table` as a pandas DataFrame: float64 and int64 columns as
    numpy arrays of the same bits, utf8 columns as Python strings."""
    import numpy as np
    import pandas as pd

    data = {}
    for i, (name, kind) in enumerate(zip(table.column_names, table.column_types)):
        if kind == "float64":
            data[name] = np.frombuffer(table.column_bytes(i), dtype="<f8")
        elif kind == "int64":
            data[name] = np.frombuffer(table.column_bytes(i), dtype="<i8")
        else:
            data[name] = table.column(i)
    return pd.DataFrame(data, copy=True)
