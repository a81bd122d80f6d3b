"""The Arrow PyCapsule interface: pyarrow and polars read the tables
without pandas and without a copy."""

from __future__ import annotations

import ctypes
import gc

import pytest

import fundcast

import pyarrow as pa  # installed by .ci/run: missing is a failure, not a skip

SEED_CASE = "scenarios/ganzhou-2006-2010.toml"


def capsule_name(capsule) -> str:
    get = ctypes.pythonapi.PyCapsule_GetName
    get.restype = ctypes.c_char_p
    get.argtypes = [ctypes.py_object]
    return get(capsule).decode()


@pytest.fixture(scope="module")
def result():
    return fundcast.run(SEED_CASE, paths=500, seed=4)


def test_capsule_names_follow_the_spec(result):
    t = result.arrow.summary
    assert capsule_name(t.__arrow_c_stream__()) == "arrow_array_stream"
    assert capsule_name(t.__arrow_c_schema__()) == "arrow_schema"
    schema, array = t.__arrow_c_array__()
    assert capsule_name(schema) == "arrow_schema"
    assert capsule_name(array) == "arrow_array"
    # Capsules dropped unconsumed release what they hold.
    del schema, array
    gc.collect()


def test_pyarrow_table_equals_the_dataframe(result):
    for name in ["deterministic", "summary", "depletion", "path_measures_summary"]:
        t = pa.table(getattr(result.arrow, name))
        df = getattr(result, name)
        assert t.column_names == list(df.columns)
        for c in t.column_names:
            assert t.column(c).to_pylist() == df[c].tolist(), (name, c)


def test_types(result):
    t = pa.table(result.arrow.summary)
    assert t.schema.field("year").type == pa.int64()
    assert t.schema.field("metric").type == pa.string()
    assert t.schema.field("value").type == pa.float64()
    assert t.num_rows == result.arrow.summary.num_rows == len(result.summary)
    assert result.arrow.summary.column_types == ["int64", "utf8", "utf8", "float64"]


def test_record_batch_from_c_array(result):
    b = pa.record_batch(result.arrow.depletion)
    assert b.column_names == ["year", "p_depleted_by", "p_depleted_in"]
    assert b.column(1).to_pylist() == result.depletion.p_depleted_by.tolist()


def test_schema_from_c_schema(result):
    s = pa.schema(result.arrow.deterministic)
    assert s.names == list(result.deterministic.columns)


def test_no_copy_and_the_memory_outlives_the_result():
    r = fundcast.run(SEED_CASE, paths=300, seed=2)
    table = r.arrow.summary
    a = pa.table(table)
    b = pa.table(table)
    # Both imports point at the engine's own buffer.
    addr = lambda t: t.column("value").chunk(0).buffers()[1].address
    assert addr(a) == addr(b)
    expected = r.summary.value.tolist()
    del r, table, b
    gc.collect()
    assert a.column("value").to_pylist() == expected


def test_stream_reader(result):
    reader = pa.RecordBatchReader.from_stream(result.arrow.summary)
    batches = list(reader)
    assert len(batches) == 1 and batches[0].num_rows == len(result.summary)


def test_polars_reads_the_tables(result):
    # polars is installed by .ci/run: a missing polars is a failure, not a skip.
    import polars as pl

    df = pl.DataFrame(result.arrow.summary)
    assert df["value"].to_list() == result.summary.value.tolist()
    assert pl.from_arrow(pa.table(result.arrow.depletion)).shape == result.depletion.shape


def test_to_pydict_needs_nothing(result):
    d = result.arrow.depletion.to_pydict()
    assert d["p_depleted_by"] == result.depletion.p_depleted_by.tolist()
