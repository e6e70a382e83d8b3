"""Shared test fixtures: no network (loopback only), the embedded scenario, the CLI as a subprocess."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
SCENARIO = ROOT / "data" / "scenarios" / "kyiv-2026-02"
NETBLOCK = Path(__file__).resolve().parent / "netblock"


def _install_netblock():
    """Load tests/netblock/sitecustomize.py under its own name: it installs the loopback-only guard."""
    import importlib.util

    spec = importlib.util.spec_from_file_location("heatneed_test_netblock", NETBLOCK / "sitecustomize.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


_netblock = _install_netblock()


@pytest.fixture(autouse=True)
def _no_network(monkeypatch):
    """Every test runs with non-loopback connections and lookups failing at once."""
    monkeypatch.setattr("socket.socket.connect", _netblock._guarded_connect)
    monkeypatch.setattr("socket.getaddrinfo", _netblock._guarded_getaddrinfo)


def cli_env() -> dict:
    """Environment for CLI subprocesses: repo on the path, network blocked by sitecustomize."""
    env = dict(os.environ)
    env["PYTHONPATH"] = os.pathsep.join([str(NETBLOCK), str(ROOT), env.get("PYTHONPATH", "")])
    env.pop("HEATNEED_DEBUG", None)
    return env


def run_cli(*args, cwd=ROOT, timeout=120) -> subprocess.CompletedProcess:
    """``python -m heatneed ARGS`` in a subprocess without network."""
    return subprocess.run([sys.executable, "-m", "heatneed", *map(str, args)], cwd=cwd, env=cli_env(),
                          capture_output=True, text=True, timeout=timeout)


@pytest.fixture
def cli():
    return run_cli


@pytest.fixture(scope="session")
def scenario_dir() -> Path:
    return SCENARIO


@pytest.hookimpl(hookwrapper=True)
def pytest_runtest_makereport(item, call):
    """A skipped test is a failed test (CI must not count it as passing).

    For local work without, say, chromium, set HEATNEED_ALLOW_SKIP=1.
    """
    outcome = yield
    report = outcome.get_result()
    if report.skipped and not os.environ.get("HEATNEED_ALLOW_SKIP") and not hasattr(report, "wasxfail"):
        report.outcome = "failed"
        reason = report.longrepr[2] if isinstance(report.longrepr, tuple) else str(report.longrepr)
        report.longrepr = f"skipped tests count as failures: {reason} (HEATNEED_ALLOW_SKIP=1 to allow locally)"
