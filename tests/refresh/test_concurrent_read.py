"""The app reads the published list and the history while a refresh writes, without errors."""

from __future__ import annotations

import io
import os
import subprocess
import sys
import threading
import traceback

import pandas as pd

from heatneed import store

from refresh_support import N_DISTRICTS, ROOT, subprocess_env

PUBLISHES = 25


def _writer(out, csv: bytes, info: dict, go_fd: int) -> None:
    """In a forked child: wait for the go byte, then publish ``PUBLISHES`` different lists."""
    os.read(go_fd, 1)
    for n in range(PUBLISHES):
        with store.refresh_lock(out):
            store.publish(out, csv.replace(b"2026-02-01T06:00:00Z", f"2026-02-01T07:00:{n:02d}Z".encode()),
                          info, keep_runs=2)  # few run folders kept: readers race the pruning too


def test_readers_never_fail_while_a_refresh_publishes(published):
    out = published
    csv = (out / "latest" / "priority.csv").read_bytes()
    info = {"forecast": {"source": "file:forecast.csv", "issued_at": "2026-02-01T00:00:00Z", "stale": False}}
    go_read, go_write = os.pipe()
    pid = os.fork()  # before any reader thread exists
    if pid == 0:
        code = 0
        try:
            _writer(out, csv, info, go_read)
        except BaseException:
            traceback.print_exc()
            code = 70
        os._exit(code)

    done = threading.Event()
    errors, seen_runs, reads = [], set(), [0]

    def read_loop():
        while not done.is_set():
            try:
                latest = store.read_published(out)
                assert latest is not None, "no published state while one exists"
                assert len(latest.priority) == N_DISTRICTS
                assert latest.manifest["files"]["latest/priority.csv"]["sha256"]
                seen_runs.add(latest.manifest["run_id"])
                history = store.read_history(out, limit_runs=5)
                assert len(history) % N_DISTRICTS == 0 and not history.empty
                assert (history.groupby("run_id").size() == N_DISTRICTS).all()
                reads[0] += 1
            except BaseException:  # noqa: BLE001 - every failure is the finding
                errors.append(traceback.format_exc())
                return

    readers = [threading.Thread(target=read_loop) for _ in range(2)]
    for thread in readers:
        thread.start()
    other_process = subprocess.Popen(
        [sys.executable, "-m", "heatneed", "history", "--output-dir", str(out), "--csv", "--runs", "3"],
        cwd=ROOT, env=subprocess_env(), stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    os.write(go_write, b"g")
    _, status = os.waitpid(pid, 0)
    done.set()
    for thread in readers:
        thread.join(timeout=60)
    stdout, stderr = other_process.communicate(timeout=120)

    assert os.WIFEXITED(status) and os.WEXITSTATUS(status) == 0
    assert errors == []
    assert reads[0] > 10 and len(seen_runs) > 3  # the reads did overlap the publishing
    assert other_process.returncode == 0, stderr
    assert len(pd.read_csv(io.BytesIO(stdout))) % N_DISTRICTS == 0
    assert store.read_history(out, limit_runs=None)["run_id"].nunique() == 1 + PUBLISHES
