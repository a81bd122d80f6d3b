"""Shared fixtures: the repository, the command line's release binary, and running it."""

from __future__ import annotations

import csv
import os
import pathlib
import subprocess
from typing import Dict, List

import pytest

ROOT = pathlib.Path(__file__).resolve().parents[2]
SCENARIOS = ROOT / "scenarios"


@pytest.fixture(scope="session")
def root() -> pathlib.Path:
    return ROOT


@pytest.fixture(scope="session")
def cli() -> str:
    """The release binary (``FUNDCAST_BIN``, else ``target/release/fundcast``, built
    when missing)."""
    path = os.environ.get("FUNDCAST_BIN") or str(ROOT / "target" / "release" / "fundcast")
    if not os.path.exists(path):
        subprocess.run(
            ["cargo", "build", "--release", "--bin", "fundcast"], cwd=ROOT, check=True
        )
    return path


def run_cli(cli: str, *args: str) -> subprocess.CompletedProcess:
    """Runs the command line from the repository root (so that scenario paths are the
    same strings as the Python side gives)."""
    return subprocess.run(
        [cli, *args], cwd=ROOT, check=True, capture_output=True, text=True
    )


def read_csv(path: pathlib.Path) -> List[Dict[str, str]]:
    with open(path, newline="") as f:
        return list(csv.DictReader(f))


@pytest.fixture(autouse=True)
def in_root(monkeypatch: pytest.MonkeyPatch) -> None:
    """Every test runs in the repository root, as the command line above."""
    monkeypatch.chdir(ROOT)
