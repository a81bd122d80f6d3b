"""`fundcast.run` against the command line: the same numbers to the last digit."""

from __future__ import annotations

import json
import pathlib
import threading
import time

import pandas as pd
import pytest

import fundcast

from conftest import read_csv, run_cli

SEED_CASE = "scenarios/ganzhou-2006-2010.toml"
CHINA = "scenarios/ganzhou-2006-2010-china-rules.toml"


def cli_run(cli: str, tmp_path: pathlib.Path, scenario: str, paths: int, seed: int) -> pathlib.Path:
    out = tmp_path / "cli"
    run_cli(cli, "run", scenario, "--paths", str(paths), "--seed", str(seed), "--out", str(out), "--quiet")
    return out


def assert_frame_equals_csv(df: pd.DataFrame, rows: list) -> None:
    """Every cell of the CSV equals the DataFrame's: numbers read back with Python's
    float (exact: the CSV holds the shortest round-trip text), strings as they are."""
    assert list(df.columns) == list(rows[0].keys())
    assert len(df) == len(rows)
    for name in df.columns:
        col = df[name].tolist()
        if df[name].dtype == object or str(df[name].dtype).startswith(("str", "string")):
            assert col == [r[name] for r in rows], name
        elif str(df[name].dtype) == "int64":
            assert col == [int(r[name]) for r in rows], name
        else:
            assert col == [float(r[name]) for r in rows], name


@pytest.mark.parametrize("scenario", [SEED_CASE, CHINA])
def test_run_equals_cli_to_the_last_digit(cli, tmp_path, scenario):
    out = cli_run(cli, tmp_path, scenario, 1300, 11)
    r = fundcast.run(scenario, paths=1300, seed=11)
    assert r.n_paths == 1300 and r.seed == 11
    assert_frame_equals_csv(r.deterministic, read_csv(out / "deterministic.csv"))
    assert_frame_equals_csv(r.summary, read_csv(out / "summary.csv"))
    assert_frame_equals_csv(r.depletion, read_csv(out / "depletion.csv"))
    # The files, byte for byte.
    for name in ["deterministic.csv", "summary.csv", "depletion.csv"]:
        assert r.to_csv(name) == (out / name).read_text(), name
    written = r.write(tmp_path / "py")
    assert [pathlib.Path(p).name for p in written] == [
        "deterministic.csv", "summary.csv", "depletion.csv", "run.json",
    ]
    for name in ["deterministic.csv", "summary.csv", "depletion.csv"]:
        assert (tmp_path / "py" / name).read_bytes() == (out / name).read_bytes(), name
    a = json.loads((tmp_path / "py" / "run.json").read_text())
    b = json.loads((out / "run.json").read_text())
    for timing in ["threads", "elapsed_seconds", "path_years_per_second"]:
        a.pop(timing), b.pop(timing)
    assert a == b


def test_deterministic_only(cli, tmp_path):
    out = tmp_path / "cli"
    run_cli(cli, "run", "scenarios/minimal.toml", "--out", str(out), "--quiet")
    r = fundcast.run("scenarios/minimal.toml")
    assert r.n_paths == 0 and r.seed is None
    assert r.to_csv("deterministic.csv") == (out / "deterministic.csv").read_text()
    with pytest.raises(ValueError, match="paths"):
        r.summary
    assert r.deterministic_depletion_year is None


def test_threads_change_no_bit():
    a = fundcast.run(SEED_CASE, paths=700, seed=3, threads=1)
    b = fundcast.run(SEED_CASE, paths=700, seed=3, threads=2)
    assert a.summary.equals(b.summary)
    assert a.to_csv("summary.csv") == b.to_csv("summary.csv")


def test_scenario_as_text_dict_and_path_agree():
    import tomllib

    path = pathlib.Path("scenarios/minimal.toml")
    text = path.read_text()
    by_path = fundcast.run(path, paths=300, seed=5)
    by_text = fundcast.run(text, paths=300, seed=5)
    by_dict = fundcast.run(tomllib.loads(text), paths=300, seed=5)
    assert by_text.scenario == "<string>" and by_dict.scenario == "<dict>"
    for r in [by_text, by_dict]:
        assert r.summary.equals(by_path.summary)
        assert r.deterministic.equals(by_path.deterministic)


def test_extends_from_text_resolves_against_the_current_folder():
    text = 'extends = "scenarios/ganzhou-2006-2010.toml"\n[contributions]\nrate = 0.22\n'
    r = fundcast.run(text)
    over = fundcast.run(SEED_CASE, overrides={"contributions.rate": 0.22})
    assert r.deterministic.equals(over.deterministic)


def test_overrides_as_on_the_command_line():
    import tomllib

    d = tomllib.loads(pathlib.Path("scenarios/minimal.toml").read_text())
    d["contributions"]["rate"] = 0.22
    d["economy"]["fund_return"] = 0.03 + 0.01
    by_dict = fundcast.run(d, paths=300, seed=5)
    over = fundcast.run(
        "scenarios/minimal.toml",
        paths=300,
        seed=5,
        overrides={"contributions.rate": 0.22, "economy.fund_return": "d+0.01"},
    )
    assert over.summary.equals(by_dict.summary)
    base = fundcast.run("scenarios/minimal.toml", paths=300, seed=5)
    assert not over.summary.equals(base.summary)
    scaled = fundcast.run("scenarios/minimal.toml", overrides={"contributions.rate": "x1.1"})
    assert scaled.deterministic.contributions[0] == pytest.approx(
        base.deterministic.contributions[0] * 1.1, rel=1e-12
    )


def test_keep_paths():
    a = fundcast.run(SEED_CASE, paths=600, seed=9, keep_paths=True)
    b = fundcast.run(SEED_CASE, paths=600, seed=9)
    assert a.has_paths and not b.has_paths
    # Keeping the paths changes nothing of the summary.
    assert a.to_csv("summary.csv") == b.to_csv("summary.csv")
    years = a.horizon - a.base_year + 1
    p = a.paths
    assert len(p) == 600 * years
    assert list(p.columns[:2]) == ["path", "year"]
    assert list(p.columns[2:]) == list(a.deterministic.columns[1:])
    m = a.path_measures
    assert len(m) == 600
    # The depletion table counts the kept paths' depletion years exactly.
    dep = a.depletion
    for year, by in zip(dep.year, dep.p_depleted_by):
        assert (m.depletion_year <= year).sum() / 600 == by
    # Extremes of the kept values bound the quantiles.
    s = a.summary
    fund = p[p.year == a.horizon].fund_end
    p99 = s[(s.year == a.horizon) & (s.metric == "fund_end") & (s.stat == "p99")].value.item()
    assert fund.min() <= p99 <= fund.max()
    with pytest.raises(ValueError, match="keep_paths"):
        b.paths


def test_keep_paths_is_bounded():
    with pytest.raises(fundcast.InputError, match="keep_paths"):
        fundcast.run(SEED_CASE, paths=10_000_000, keep_paths=True)


def test_gil_is_released_while_the_engine_runs():
    def spin(stop: threading.Event) -> int:
        n = 0
        while not stop.is_set():
            n += 1
        return n

    # This thread's pace alone.
    stop = threading.Event()
    threading.Timer(0.2, stop.set).start()
    t0 = time.perf_counter()
    rate = spin(stop) / (time.perf_counter() - t0)

    inside, done = threading.Event(), threading.Event()

    def work():
        inside.set()
        fundcast.run("scenarios/bench-2050-basic.toml", paths=30_000, seed=1, threads=1)
        done.set()

    t = threading.Thread(target=work)
    t.start()
    inside.wait()
    t0 = time.perf_counter()
    ticks = spin(done)
    elapsed = time.perf_counter() - t0
    t.join()
    assert elapsed > 0.1, "the run is too short to tell"
    # With the GIL held for the run, this thread would stop within one switch interval
    # (5 ms) of the run's start: under 5 % of its pace over the run.
    assert ticks / elapsed > 0.1 * rate, (ticks, elapsed, rate)


def test_check():
    info = fundcast.check(SEED_CASE)
    assert info["base_year"] == 2005 and info["horizon"] == 2010
    assert info["seed"] == 2006 and info["paths"] == 2000
    assert info["metrics"] == list(fundcast.METRICS[: len(info["metrics"])])


def test_scenario_error_carries_file_line_key_and_message():
    text = "base_year = 2020\nhorizon = 2030\n[economy]\naverage_wage = -5\n"
    with pytest.raises(fundcast.ScenarioError) as e:
        fundcast.check(text)
    err = e.value
    assert isinstance(err, ValueError) and isinstance(err, fundcast.FundcastError)
    assert len(err.diagnostics) > 1  # every problem at once
    keys = {d.key for d in err.diagnostics}
    assert "economy.average_wage" in keys
    d = next(d for d in err.diagnostics if d.key == "economy.average_wage")
    assert (d.file, d.line) == ("<string>", 4)
    assert d.column == 16
    assert err.file == "<string>" and err.line == err.diagnostics[0].line
    assert "invalid scenario" in str(err)


def test_scenario_error_from_a_file(cli, tmp_path):
    bad = tmp_path / "bad.toml"
    bad.write_text(pathlib.Path("scenarios/minimal.toml").read_text().replace("rate = 0.20", "rate = 2.0"))
    with pytest.raises(fundcast.ScenarioError) as e:
        fundcast.run(bad)
    d = e.value.diagnostics[0]
    assert d.file == str(bad) and d.key == "contributions.rate" and d.line > 0
    # The command line says the same.
    import subprocess

    p = subprocess.run([cli, "check", str(bad)], capture_output=True, text=True)
    assert p.returncode == 2
    assert str(d) in p.stderr


def test_syntax_error_and_missing_file():
    with pytest.raises(fundcast.ScenarioError) as e:
        fundcast.check("base_year = = 1\n")
    assert e.value.line == 1 and e.value.key == ""
    with pytest.raises(fundcast.ScenarioError) as e:
        fundcast.check("no/such/file.toml")
    assert e.value.file == "no/such/file.toml" and "cannot read" in str(e.value)


def test_bad_arguments():
    with pytest.raises(fundcast.InputError, match="threads"):
        fundcast.run(SEED_CASE, paths=10, threads=0)
    with pytest.raises(fundcast.InputError, match="paths"):
        fundcast.run(SEED_CASE, paths=100_000_001)
    with pytest.raises(TypeError):
        fundcast.run(42)
    with pytest.raises(fundcast.InputError, match="overrides"):
        fundcast.run(SEED_CASE, overrides={"economy.nothing_here": "x2"})
    with pytest.raises(fundcast.InputError):
        fundcast.run(SEED_CASE, overrides={"contributions.rate": "x"})


def test_five_funds_files_equal_the_cli(cli, tmp_path):
    """With the other four funds on: the funds' files too, byte for byte, and their
    columns in the deterministic table and lines in the summary."""
    scenario = "scenarios/ganzhou-2006-2010-five-funds.toml"
    out = cli_run(cli, tmp_path, scenario, 300, 5)
    r = fundcast.run(scenario, paths=300, seed=5)
    assert_frame_equals_csv(r.deterministic, read_csv(out / "deterministic.csv"))
    assert_frame_equals_csv(r.summary, read_csv(out / "summary.csv"))
    assert "medical_pool_end" in r.deterministic.columns
    assert "unemployment_depleted" in set(r.summary.metric)
    written = [pathlib.Path(p).name for p in r.write(tmp_path / "py")]
    assert written == [
        "deterministic.csv", "funds.csv", "summary.csv", "depletion.csv", "run.json",
        "social-budget.csv",
    ]
    for name in ["deterministic.csv", "funds.csv", "summary.csv", "depletion.csv", "social-budget.csv"]:
        assert (tmp_path / "py" / name).read_bytes() == (out / name).read_bytes(), name
