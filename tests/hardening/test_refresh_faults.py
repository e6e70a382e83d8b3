"""Refresh under faults: each leaves the last good list and the history intact, with the exit code
the README's "Scheduled refresh" table promises (0 published or stale, 1 source or system
failure, 2 bad input, 3 busy).

Faults: the network down (names resolve, connections fail), DNS failing, a slow source (a
loopback server that never answers, or answers one byte at a time), corrupt snapshots, bad input
files, and a full disk at each step of publishing. SIGKILL at any moment of a real refresh,
including every step of publishing, is tested in tests/refresh/test_kill.py; an overlapping run
(exit 3) in tests/refresh/test_lock.py.
"""

from __future__ import annotations

import errno
import os
import re
import shutil
import socket
import sqlite3
import threading
import time
from pathlib import Path

import numpy as np
import pytest
import xarray as xr
from hardening_support import CASES, CORPUS, SOURCE_FIXTURES
from refresh_support import (N_DISTRICTS, SCENARIO, check_published, files_state, lock_is_free, make_snapshot,
                             refresh_argv)

from heatneed import store
from heatneed.sources.snapshot import snapshot_name

LOOPBACK = {"127.0.0.1", "::1", "localhost"}


def live_argv(out, *extra):
    """A refresh with a live forecast source and the scenario's other inputs."""
    return ["refresh", "--scenario", SCENARIO, "--output-dir", out, *extra]


def history(out):
    return store.read_history(out, limit_runs=None)


@pytest.fixture
def meteostat_home(tmp_path, monkeypatch):
    """meteostat with its cache and stations database in the test's folder (never ~/.meteostat);
    no stations database yet, as on a fresh machine."""
    import meteostat as ms

    monkeypatch.setattr(ms.config, "cache_directory", str(tmp_path / "meteostat" / "cache"))
    monkeypatch.setattr(ms.config, "stations_db_file", str(tmp_path / "meteostat" / "stations.db"))
    return ms


@pytest.fixture
def meteostat_with_stations(meteostat_home):
    """A fresh stations database (real format, stations near Kyiv): the fetch gets as far as the
    hourly data before it needs the network."""
    db = Path(meteostat_home.config.stations_db_file)
    db.parent.mkdir(parents=True)
    shutil.copy(SOURCE_FIXTURES / "meteostat" / "stations.db", db)
    return meteostat_home


# --------------------------------------------------------------------------- network down, DNS failing

def network_down(monkeypatch):
    """Names resolve (a cached resolver), but no packet gets out: every connection fails."""
    real_getaddrinfo, real_connect = socket.getaddrinfo, socket.socket.connect

    def resolve(host, port, *args, **kwargs):
        if host in LOOPBACK:
            return real_getaddrinfo(host, port, *args, **kwargs)
        return [(socket.AF_INET, socket.SOCK_STREAM, socket.IPPROTO_TCP, "", ("192.0.2.10", int(port or 443)))]

    def connect(self, address):
        if isinstance(address, tuple) and address[0] not in LOOPBACK:
            raise OSError(errno.ENETUNREACH, "Network is unreachable")
        return real_connect(self, address)

    monkeypatch.setattr(socket, "getaddrinfo", resolve)
    monkeypatch.setattr(socket.socket, "connect", connect)
    return "unreachable"


def dns_failing(monkeypatch):
    """The resolver answers, but with a failure for every name but loopback."""
    real_getaddrinfo = socket.getaddrinfo

    def resolve(host, port, *args, **kwargs):
        if host in LOOPBACK:
            return real_getaddrinfo(host, port, *args, **kwargs)
        raise socket.gaierror(socket.EAI_AGAIN, "Temporary failure in name resolution")

    monkeypatch.setattr(socket, "getaddrinfo", resolve)
    return "name resolution"


FAULTS = {"network-down": network_down, "dns-failure": dns_failing}
SOURCES = ["meteostat", "meteostat-with-stations", "open-meteo"]


@pytest.mark.parametrize("source", SOURCES)
@pytest.mark.parametrize("fault", FAULTS)
def test_source_unreachable_without_a_snapshot_exits_1_and_changes_nothing(published, run, request, monkeypatch,
                                                                          fault, source):
    request.getfixturevalue("meteostat_with_stations" if source == "meteostat-with-stations" else "meteostat_home")
    cause = FAULTS[fault](monkeypatch)
    name = source.split("-with")[0]
    runs_before = history(published)  # first: reading makes SQLite's -shm/-wal files
    before = files_state(published)
    started = time.monotonic()
    code, err = run(*live_argv(published, "--forecast-source", name))
    assert code == 1, err
    assert time.monotonic() - started < 30
    lines = err.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith(f"heatneed: error: {name}"), err
    assert f"no {name} snapshot in" in err
    assert cause in err.lower() or name == "meteostat" and "stations database unavailable" in err, err
    assert files_state(published) == before
    assert history(published).equals(runs_before)
    assert lock_is_free(published)


@pytest.mark.parametrize("fault", FAULTS)
def test_source_unreachable_with_a_fresh_snapshot_publishes_it_marked_stale(published, run, meteostat_home,
                                                                            monkeypatch, fault):
    FAULTS[fault](monkeypatch)
    snap = make_snapshot(published / "snapshots", "meteostat", age_hours=2)
    first = check_published(published)["run_id"]
    runs_before = history(published)
    code, err = run(*live_argv(published))
    assert code == 0, err
    manifest = check_published(published)
    assert manifest["forecast"]["stale"] is True and manifest["forecast"]["snapshot_file"] == snap.name
    after = history(published)
    assert list(after["run_id"].unique()) == [first, manifest["run_id"]]
    assert after[after["run_id"] == first].reset_index(drop=True).equals(runs_before)  # the old rows as they were


# --------------------------------------------------------------------------- slow sources

class LoopbackServer:
    """A TCP server on 127.0.0.1 that accepts every connection and answers ``how``:
    ``"silent"`` never sends a byte; ``"drip"`` sends an HTTP 200 header, then one byte of body
    every 0.2 s for ever (each read returns in time, so only a whole-fetch deadline stops it)."""

    def __init__(self, how: str):
        self.how, self.connections, self.closing = how, [], threading.Event()
        self.sock = socket.create_server(("127.0.0.1", 0))
        self.port = self.sock.getsockname()[1]
        threading.Thread(target=self._accept, daemon=True).start()

    def _accept(self):
        while not self.closing.is_set():
            try:
                conn, _ = self.sock.accept()
            except OSError:
                return
            self.connections.append(conn)
            threading.Thread(target=self._answer, args=(conn,), daemon=True).start()

    def _answer(self, conn):
        try:
            conn.recv(65536)
            if self.how == "drip":
                conn.sendall(b"HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: 1000000\r\n\r\n")
                while not self.closing.wait(0.2):
                    conn.sendall(b" ")
            else:
                self.closing.wait()
        except OSError:
            pass

    def url(self, path: str) -> str:
        return f"http://127.0.0.1:{self.port}{path}"

    def close(self):
        self.closing.set()
        self.sock.close()
        for conn in self.connections:
            conn.close()


@pytest.fixture
def loopback_server():
    servers = []

    def start(how):
        servers.append(LoopbackServer(how))
        return servers[-1]

    yield start
    for server in servers:
        server.close()


def run_within(run, limit_s: float, *argv) -> tuple[int, str, float]:
    """``run(*argv)`` in a thread; fails the test if it is still running after ``limit_s`` [s]."""
    box = {}
    started = time.monotonic()
    worker = threading.Thread(target=lambda: box.update(result=run(*argv)), daemon=True)
    worker.start()
    worker.join(limit_s)
    assert not worker.is_alive(), f"refresh still running after {limit_s:g} s: it does not give up"
    code, err = box["result"]
    return code, err, time.monotonic() - started


def forecast_config(tmp_path, **forecast) -> Path:
    lines = ["[forecast]"] + [f"{k} = {v!r}".replace("'", '"') for k, v in forecast.items()]
    path = tmp_path / "heatneed.toml"
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path


@pytest.mark.parametrize("how, settings, limit_s", [
    ("silent", {"timeout_s": 1, "max_retries": 1}, 3 + 3),  # 2 reads of 1 s, 1 s pause between
    ("drip", {"timeout_s": 1, "max_retries": 0, "deadline_s": 3}, 3 + 3),
])
def test_slow_open_meteo_gives_up_within_its_timeout_and_changes_nothing(published, run, loopback_server,
                                                                        tmp_path, how, settings, limit_s):
    server = loopback_server(how)
    config = forecast_config(tmp_path, open_meteo_url=server.url("/v1/forecast"), **settings)
    before = files_state(published)
    code, err, took = run_within(run, 15, *live_argv(published, "--forecast-source", "open-meteo",
                                                     "--config", config))
    assert code == 1, err
    assert took < limit_s, f"gave up after {took:.1f} s"
    assert err.startswith("heatneed: error: open-meteo") and "no open-meteo snapshot in" in err, err
    assert files_state(published) == before
    assert lock_is_free(published)


def test_slow_open_meteo_with_a_fresh_snapshot_publishes_it_marked_stale_in_time(published, run, loopback_server,
                                                                                tmp_path):
    server = loopback_server("silent")
    config = forecast_config(tmp_path, open_meteo_url=server.url("/v1/forecast"), timeout_s=1, max_retries=0)
    snap = make_snapshot(published / "snapshots", "open-meteo", age_hours=1)
    code, err, took = run_within(run, 15, *live_argv(published, "--forecast-source", "open-meteo",
                                                     "--config", config))
    assert code == 0, err
    assert took < 1 + 3
    forecast = check_published(published)["forecast"]
    assert forecast["stale"] is True and forecast["snapshot_file"] == snap.name


def test_slow_meteostat_gives_up_within_its_deadline_and_changes_nothing(published, run, meteostat_home,
                                                                        loopback_server, tmp_path, monkeypatch):
    server = loopback_server("drip")
    monkeypatch.setattr(meteostat_home.config, "stations_db_endpoints", [server.url("/stations.db")])
    config = forecast_config(tmp_path, timeout_s=1, max_retries=0, deadline_s=3)
    before = files_state(published)
    code, err, took = run_within(run, 15, *live_argv(published, "--config", config))
    assert code == 1, err
    assert took < 3 + 3, f"gave up after {took:.1f} s"
    assert err.startswith("heatneed: error: meteostat") and "no meteostat snapshot in" in err, err
    assert files_state(published) == before


# --------------------------------------------------------------------------- corrupt snapshots

def corrupt(kind: str, good: Path, target: Path) -> None:
    """Write a damaged snapshot of ``kind`` at ``target`` (``good``: a real snapshot to damage)."""
    data = good.read_bytes()
    if kind == "garbage":
        target.write_bytes(np.random.default_rng(7).integers(0, 256, 4096, dtype=np.uint8).tobytes())
    elif kind == "truncated":
        target.write_bytes(data[: len(data) // 2])
    elif kind == "empty":
        target.write_bytes(b"")
    elif kind == "directory":
        target.mkdir()
    elif kind == "not-a-forecast":
        xr.Dataset({"t": (("x",), np.zeros(3))}).to_netcdf(target)
    elif kind == "kelvin":  # the right shape, impossible values
        with xr.open_dataset(good) as ds:
            ds.load().assign(temp_c=ds["temp_c"] + 273.15).to_netcdf(target)
    elif kind == "other-districts":
        with xr.open_dataset(good) as ds:
            ds.load().assign_coords(district=[f"X{i}" for i in range(ds.sizes["district"])]).to_netcdf(target)
    else:
        raise ValueError(kind)


CORRUPTIONS = ["garbage", "truncated", "empty", "directory", "not-a-forecast", "kelvin", "other-districts"]


def newer_than(path: Path, hours: float, source: str) -> Path:
    """The snapshot file name of ``source`` fetched ``hours`` after ``path``'s fetch time."""
    import pandas as pd

    stamp = pd.to_datetime(path.stem.split("_", 1)[1], format="%Y%m%dT%H%M%SZ")
    return path.parent / snapshot_name(source, stamp + pd.Timedelta(hours=hours))


@pytest.fixture
def source_down(monkeypatch):
    network_down(monkeypatch)


@pytest.mark.parametrize("kind", CORRUPTIONS)
def test_a_corrupt_newest_snapshot_is_skipped_for_the_next_good_one(published, run, kind):
    """Through ``--forecast-source snapshot`` (the fallback a failed live source takes, without
    waiting for it to fail; that path is in the next test)."""
    good = make_snapshot(published / "snapshots", "meteostat", age_hours=3)
    corrupt(kind, good, newer_than(good, 2, "meteostat"))
    code, err = run("refresh", "--forecast-source", "snapshot", "--output-dir", published)
    assert code == 0, err
    forecast = check_published(published)["forecast"]
    assert forecast["stale"] is True and forecast["snapshot_file"] == good.name
    assert forecast["stale_age_hours"] == pytest.approx(3, abs=0.1)


def test_only_corrupt_snapshots_exit_1_and_change_nothing(published, run, meteostat_home, source_down):
    good = make_snapshot(published / "snapshots", "meteostat", age_hours=30)  # too old to use
    for hours, kind in enumerate(CORRUPTIONS, start=1):
        corrupt(kind, good, newer_than(good, 20 + hours, "meteostat"))
    before = files_state(published)
    code, err = run(*live_argv(published))
    assert code == 1, err
    assert "meteostat" in err and "snapshot" in err and "Traceback" not in err
    assert files_state(published) == before
    code, err = run("refresh", "--forecast-source", "snapshot", "--output-dir", published)
    assert code == 1, err
    assert files_state(published) == before


# --------------------------------------------------------------------------- bad input

@pytest.mark.parametrize("case", [next(c for c in CASES if c["role"] == role and c["outcome"] == "error")
                                  for role in ("districts", "unheated", "outages", "forecast")],
                         ids=lambda c: c["file"])
def test_a_bad_input_file_exits_2_and_changes_nothing(published, run, case):
    before = files_state(published)
    code, err = run(*refresh_argv(published, f"--{case['role']}", CORPUS / case["file"]))
    assert code == 2, err
    assert case["message"] in err and "Traceback" not in err
    assert files_state(published) == before


# --------------------------------------------------------------------------- full disk while publishing

class DiskFull:
    """ENOSPC at the ``fail_at``-th write step made while ``store.publish`` runs (None: count only).

    Steps: creating a folder or file, writing file data, fsync, making a symlink, renaming, and
    committing to history.sqlite (SQLITE_FULL, after a real rollback, as SQLite reports a full
    disk). Steps on paths that already exist (``mkdir(exist_ok=True)``) are not steps.
    """

    def __init__(self, fail_at: int | None):
        self.fail_at, self.steps, self.active, self.fired = fail_at, [], False, None

    def step(self, what: str, error=OSError) -> None:
        if not self.active:
            return
        what = re.sub(r"\d{8}T\d{6}Z-[0-9a-f]{6}", "<run>", re.sub(r"\.[\w]{8}\.tmp\b", ".<random>.tmp", what))
        self.steps.append(what)
        if len(self.steps) == self.fail_at:
            self.fired = what
            if error is OSError:
                raise OSError(errno.ENOSPC, "No space left on device", what)
            raise sqlite3.OperationalError("database or disk is full")

    def install(self, monkeypatch) -> None:
        real = {name: getattr(os, name) for name in ("mkdir", "open", "fsync", "symlink", "replace", "fdopen")}
        disk = self

        def mkdir(path, *args, **kwargs):
            if not os.path.lexists(path):
                disk.step(f"mkdir {Path(path).name}")
            return real["mkdir"](path, *args, **kwargs)

        def open_(path, flags, *args, **kwargs):
            if flags & os.O_CREAT and not os.path.lexists(path):
                disk.step(f"create {Path(path).name}")
            return real["open"](path, flags, *args, **kwargs)

        def fsync(fd):
            disk.step("fsync")
            return real["fsync"](fd)

        def symlink(src, dst, *args, **kwargs):
            disk.step(f"symlink {Path(dst).name}")
            return real["symlink"](src, dst, *args, **kwargs)

        def replace(src, dst, *args, **kwargs):
            disk.step(f"rename {Path(src).name} -> {Path(dst).name}")
            return real["replace"](src, dst, *args, **kwargs)

        class File:
            """A file from ``os.fdopen`` whose writes are steps."""

            def __init__(self, fh):
                self._fh = fh

            def write(self, data):
                disk.step("write data")
                return self._fh.write(data)

            def __enter__(self):
                return self

            def __exit__(self, *exc):
                self._fh.close()

            def __getattr__(self, name):
                return getattr(self._fh, name)

        class Database:
            """history.sqlite whose COMMIT is a step."""

            def __init__(self, con):
                self._con = con

            def execute(self, sql, *args):
                if sql.strip().upper() == "COMMIT" and self._con.in_transaction:
                    try:
                        disk.step("commit history.sqlite", error=sqlite3.OperationalError)
                    except sqlite3.OperationalError:
                        self._con.execute("ROLLBACK")
                        raise
                return self._con.execute(sql, *args)

            def __getattr__(self, name):
                return getattr(self._con, name)

        write_connection, publish = store._write_connection, store.publish

        def publishing(*args, **kwargs):
            disk.active = True
            try:
                return publish(*args, **kwargs)
            finally:
                disk.active = False

        monkeypatch.setattr(os, "mkdir", mkdir)
        monkeypatch.setattr(os, "open", open_)
        monkeypatch.setattr(os, "fsync", fsync)
        monkeypatch.setattr(os, "symlink", symlink)
        monkeypatch.setattr(os, "replace", replace)
        monkeypatch.setattr(os, "fdopen", lambda *a, **k: File(real["fdopen"](*a, **k)))
        monkeypatch.setattr(store, "_write_connection", lambda output_dir: Database(write_connection(output_dir)))
        monkeypatch.setattr(store, "publish", publishing)


def published_state(out: Path) -> dict:
    """What readers rely on: where latest points, the bytes in it, and the history."""
    latest = out / "latest"
    return {"latest": os.readlink(latest),
            "files": {p.name: p.read_bytes() for p in sorted(latest.iterdir())},
            "history": history(out).to_csv(index=False)}


def test_a_full_disk_at_any_step_of_publishing_exits_1_and_keeps_latest_and_history(published, run, tmp_path):
    """A run with a different τ (so every file is new) fails at step 1, 2, … of publishing in
    turn, each time on a fresh copy of the published folder; then, on the folder a failed run
    left, a run with space publishes normally."""
    argv = refresh_argv("{out}", "--tau-hours", "50")
    counting = DiskFull(None)
    with pytest.MonkeyPatch.context() as mp:
        counting.install(mp)
        dry = tmp_path / "dry"
        shutil.copytree(published, dry, symlinks=True)
        code, err = run(*[a.format(out=dry) if isinstance(a, str) else a for a in argv])
    assert code == 0, err
    steps = counting.steps
    kinds = {s.split()[0] for s in steps}
    assert kinds >= {"mkdir", "create", "write", "fsync", "symlink", "rename", "commit"}, steps
    before = published_state(published)
    failures = []
    for k in range(1, len(steps) + 1):
        out = tmp_path / f"full-{k}"
        shutil.copytree(published, out, symlinks=True)
        disk = DiskFull(k)
        with pytest.MonkeyPatch.context() as mp:
            disk.install(mp)
            code, err = run(*[a.format(out=out) if isinstance(a, str) else a for a in argv])
        found = []
        if disk.fired != steps[k - 1]:
            found.append(f"failed at {disk.fired!r}")
        if code != 1:
            found.append(f"exit {code}")
        if not ("No space left on device" in err or "disk is full" in err) or "Traceback" in err:
            found.append(f"stderr {err!r}")
        if published_state(out) != before:
            found.append("latest/ or the history changed")
        check_published(out)
        if not lock_is_free(out):
            found.append("lock held")
        failures += [f"step {k} ({steps[k - 1]}): {f}" for f in found]
    assert not failures, "\n".join(failures)
    code, err = run(*[a.format(out=out) if isinstance(a, str) else a for a in argv])  # space again
    assert code == 0, err
    manifest = check_published(out)
    assert list(history(out)["run_id"].unique()) == [*history(published)["run_id"].unique(), manifest["run_id"]]
    assert [p.name for p in (out / "runs").iterdir() if not (p / "manifest.json").exists()] == []
    assert list(out.glob(".*.tmp")) == []
