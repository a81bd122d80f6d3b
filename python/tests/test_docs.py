"""The examples of docs/python.md run (matplotlib stood in for where it is missing)."""

from __future__ import annotations

import re
import sys
import types
from unittest import mock

from conftest import ROOT


def blocks(after: str):
    text = (ROOT / "docs" / "python.md").read_text()
    section = text.split(after, 1)[1]
    return re.findall(r"```python\n(.*?)```", section, re.S)


def test_ten_lines(tmp_path, capsys):
    code = blocks("## In ten lines")[0]
    assert len(code.strip().splitlines()) <= 10
    exec(compile(code.replace('r.write("out")', f"r.write({str(tmp_path)!r})"), "ten-lines", "exec"), {})
    assert (tmp_path / "summary.csv").exists()


def test_fan_chart(tmp_path, monkeypatch):
    code = blocks("## A fan chart")[0]
    try:
        import matplotlib

        matplotlib.use("Agg")
        monkeypatch.chdir(tmp_path)
        exec(compile(code, "fan-chart", "exec"), {})
        assert (tmp_path / "fan.png").stat().st_size > 0
    except ImportError:
        plt = mock.MagicMock()
        fig, ax = mock.MagicMock(), mock.MagicMock()
        plt.subplots.return_value = (fig, ax)
        mpl = types.ModuleType("matplotlib")
        mpl.pyplot = plt
        monkeypatch.setitem(sys.modules, "matplotlib", mpl)
        monkeypatch.setitem(sys.modules, "matplotlib.pyplot", plt)
        exec(compile(code, "fan-chart", "exec"), {})
        assert ax.fill_between.call_count == 3
        x, lo, hi = ax.fill_between.call_args_list[0].args
        assert len(x) == len(lo) == len(hi) > 10
        assert (lo <= hi).all()
        fig.savefig.assert_called_once()
