"""Offline test setup for the forecast sources: no test may touch the network."""

from __future__ import annotations

import shutil
import socket
from pathlib import Path

import pytest

FIXTURES = Path(__file__).parent / "fixtures"
METEOSTAT_FIXTURES = FIXTURES / "meteostat"


@pytest.fixture(autouse=True)
def no_network(monkeypatch):
    """Every connection attempt and name lookup fails at once, as on a cut-off machine."""

    def refuse(*args, **kwargs):
        raise OSError("network disabled in tests")

    monkeypatch.setattr(socket.socket, "connect", refuse)
    monkeypatch.setattr(socket, "getaddrinfo", refuse)


@pytest.fixture
def meteostat_offline(tmp_path, monkeypatch):
    """meteostat reading the committed real-format bulk CSVs and stations.db.

    The DB is copied so its mtime is fresh (a stale DB would be re-downloaded); the cache is
    off because its key ignores the endpoint; the hourly endpoint points at the fixtures.
    """
    import meteostat as ms
    import meteostat.providers.meteostat.hourly as ms_hourly

    db = tmp_path / "stations.db"
    shutil.copy(METEOSTAT_FIXTURES / "stations.db", db)
    monkeypatch.setattr(ms.config, "stations_db_file", str(db))
    monkeypatch.setattr(ms.config, "stations_db_endpoints", [])
    monkeypatch.setattr(ms.config, "cache_enable", False)
    monkeypatch.setattr(ms_hourly, "ENDPOINT",
                        str(METEOSTAT_FIXTURES / "hourly" / "{year}" / "{station}.csv.gz"))
    return ms
