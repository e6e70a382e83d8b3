"""Offline fixtures for the refresh tests (helpers: refresh_support.py)."""

from __future__ import annotations

import shutil
import socket

import pytest

from refresh_support import refresh_argv


def pytest_configure(config):
    config.addinivalue_line("markers", "slow: runs real subprocesses for tens of seconds "
                                       "(deselect with -m 'not slow')")


@pytest.fixture(autouse=True)
def no_network(monkeypatch):
    """Every connection attempt and name lookup fails at once, as on a cut-off machine."""

    def refuse(*args, **kwargs):
        raise OSError("network disabled in tests")

    monkeypatch.setattr(socket.socket, "connect", refuse)
    monkeypatch.setattr(socket, "getaddrinfo", refuse)


@pytest.fixture
def run(capsys):
    """``python -m heatneed ARGS`` in-process: returns (exit code, stderr)."""
    from heatneed.cli import main

    def _run(*argv) -> tuple[int, str]:
        capsys.readouterr()
        code = main([str(a) for a in argv])
        return code, capsys.readouterr().err

    return _run


@pytest.fixture(scope="session")
def _published_once(tmp_path_factory):
    from heatneed.cli import main

    out = tmp_path_factory.mktemp("published") / "out"
    assert main(refresh_argv(out, "--log-level", "WARNING")) == 0
    return out


@pytest.fixture
def published(tmp_path, _published_once):
    """An output folder holding one good published run of the embedded scenario (a fresh copy)."""
    out = tmp_path / "out"
    shutil.copytree(_published_once, out, symlinks=True)
    return out
