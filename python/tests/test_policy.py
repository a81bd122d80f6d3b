"""compare, solve and sensitivity against the command line."""

from __future__ import annotations

import re

import pytest

import fundcast

from conftest import read_csv, run_cli

SEED_CASE = "scenarios/ganzhou-2006-2010.toml"
VARIANTS = ["scenarios/ganzhou-retirement-age.toml", "scenarios/ganzhou-collection.toml"]


def test_compare_equals_cli(cli, tmp_path):
    run_cli(cli, "compare", SEED_CASE, *VARIANTS, "--paths", "400", "--seed", "8", "--out", str(tmp_path))
    c = fundcast.compare(SEED_CASE, VARIANTS, paths=400, seed=8)
    assert c.to_csv() == (tmp_path / "comparison.csv").read_text()
    assert c.names == ["ganzhou-2006-2010", "ganzhou-retirement-age", "ganzhou-collection"]
    rows = read_csv(tmp_path / "comparison.csv")
    t = c.table
    assert len(t) == len(rows)
    for (_, line), row in zip(t.iterrows(), rows):
        assert line.scenario == row["scenario"] and line.measure == row["measure"]
        for col in ["value", "difference", "se_paired", "se_unpaired"]:
            if row[col] == "":
                assert line[col] != line[col]  # NaN
            else:
                assert line[col] == float(row[col])


def test_sensitivity_equals_cli(cli, tmp_path):
    run_cli(
        cli, "sensitivity", SEED_CASE, "--measure", "cumulative_deficit",
        "--vary", "contributions.rate=d-0.01,d+0.01", "--vary", "economy.wage_growth.mean=x0.9,x1.1",
        "--out", str(tmp_path),
    )
    s = fundcast.sensitivity(
        SEED_CASE,
        "cumulative_deficit",
        vary={"contributions.rate": ("d-0.01", "d+0.01"), "economy.wage_growth.mean": ("x0.9", "x1.1")},
    )
    assert s.to_csv() == (tmp_path / "sensitivity.csv").read_text()
    rows = read_csv(tmp_path / "sensitivity.csv")
    assert s.table.key.tolist() == [r["key"] for r in rows]
    assert s.table.swing.tolist() == [float(r["swing"]) for r in rows]


def test_sensitivity_defaults_equal_cli(cli, tmp_path):
    run_cli(cli, "sensitivity", SEED_CASE, "--measure", "pv_deficits", "--out", str(tmp_path))
    s = fundcast.sensitivity(SEED_CASE, "pv_deficits")
    assert s.to_csv() == (tmp_path / "sensitivity.csv").read_text()


def test_solve_equals_cli(cli):
    args = ["--lever", "contributions.rate", "--target", "cumulative_deficit <= 0"]
    out = run_cli(cli, "solve", SEED_CASE, *args, "--paths", "200", "--seed", "3").stdout
    sol = fundcast.solve(SEED_CASE, "contributions.rate", "cumulative_deficit <= 0", paths=200, seed=3)
    printed = re.search(r"contributions\.rate = ([0-9.]+)", out).group(1)
    assert f"{sol.value:.6f}" == printed
    assert f"{len(sol.tried)} evaluations on 200 paths, seed 3" in out
    assert sol.n_paths == 200 and sol.standard_error > 0
    assert sol.achieved <= 0
    assert sol.tried[0][0] == 0.0 and sol.tried[1][0] == 1.0
    # Without paths (a scenario without `paths`): deterministic.
    det = fundcast.solve("scenarios/minimal.toml", "contributions.rate", "cumulative_deficit <= 0")
    assert det.n_paths == 0 and det.standard_error == 0


def test_solve_with_paths_is_reproducible():
    a = fundcast.solve(SEED_CASE, "contributions.rate", "p_depleted_by(2010) <= 0.05", paths=300, seed=1)
    b = fundcast.solve(SEED_CASE, "contributions.rate", "p_depleted_by(2010) <= 0.05", paths=300, seed=1, threads=1)
    assert (a.value, a.tried) == (b.value, b.tried)
    assert a.n_paths == 300 and a.achieved <= 0.05


def test_no_solution():
    with pytest.raises(fundcast.NoSolution) as e:
        fundcast.solve(SEED_CASE, "contributions.rate", "cumulative_deficit <= -1e30")
    assert e.value.lever == "contributions.rate" and e.value.range == (0.0, 1.0)


def test_policy_errors():
    with pytest.raises(fundcast.InputError, match="target"):
        fundcast.solve(SEED_CASE, "contributions.rate", "nonsense")
    with pytest.raises(fundcast.InputError, match="lever"):
        fundcast.solve(SEED_CASE, "name", "cumulative_deficit <= 0", range=(0, 1))
    with pytest.raises(fundcast.ScenarioError) as e:
        fundcast.solve(SEED_CASE, "contributions.rate", "cumulative_deficit <= 0", range=(0, 5))
    assert any(d.key == "contributions.rate" for d in e.value.diagnostics)
    with pytest.raises(fundcast.InputError, match="measure"):
        fundcast.sensitivity(SEED_CASE, "p_depleted_by(2099)")
