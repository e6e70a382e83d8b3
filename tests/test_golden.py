"""The embedded scenario's outputs are byte-identical to the committed golden files.

A refactoring must not change a single byte of the priority list (CSV, HXL CSV, Parquet) or of a
refresh's published folder (lists, manifest, history rows). An intended change regenerates the
files with ``python tools/make_goldens.py`` in the same commit (see that script).
"""

from __future__ import annotations

import importlib.util
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
GOLDEN = ROOT / "tests" / "golden"


def _tool():
    spec = importlib.util.spec_from_file_location("make_goldens", ROOT / "tools" / "make_goldens.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


@pytest.fixture(scope="module")
def outputs():
    return _tool().all_outputs()


def golden_names() -> list[str]:
    return sorted(p.relative_to(GOLDEN).as_posix() for p in GOLDEN.rglob("*") if p.is_file())


def test_every_golden_file_is_produced_and_nothing_else(outputs):
    assert sorted(outputs) == golden_names()


@pytest.mark.parametrize("name", golden_names())
def test_output_is_byte_identical_to_its_golden_file(outputs, name):
    expected = (GOLDEN / name).read_bytes()
    got = outputs[name]
    if got != expected and name.endswith((".csv", ".json")):  # show the first differing line
        for i, (a, b) in enumerate(zip(got.decode().splitlines(), expected.decode().splitlines()), 1):
            assert a == b, f"{name}, line {i} differs"
    assert got == expected, f"{name}: {len(got)} bytes, golden {len(expected)} bytes"
