"""A refresh killed at any moment leaves latest/ whole, its manifest true, and the lock free."""

from __future__ import annotations

import json
import os
import random
import signal
import subprocess
import time
import traceback

import pytest

from heatneed import store

from refresh_support import FORECAST, N_DISTRICTS, check_published, lock_is_free, popen_refresh

SEED = 20260201


def leftovers(out) -> list[str]:
    """Temporary files and unfinished run folders (allowed after a kill, gone after a good run)."""
    found = [p.name for p in out.rglob("*.tmp") if "snapshots" not in p.parts]
    found += [p.name for p in (out / "runs").iterdir() if not (p / "manifest.json").exists()]
    return found


@pytest.mark.slow
def test_sigkill_at_random_moments_of_a_real_refresh_never_breaks_the_published_folder(tmp_path):
    out = tmp_path / "out"
    started = time.monotonic()
    first = popen_refresh(out)
    assert first.wait(timeout=120) == 0, first.communicate()[1]
    full_run = time.monotonic() - started  # the fastest whole run seen: kills are drawn within it
    published = {check_published(out)["run_id"]}
    rng = random.Random(SEED)
    killed = finished = 0
    while killed < 21 and killed + finished < 40:
        # A different τ gives a different list, so the dated-list and run-folder writes happen every time.
        proc = popen_refresh(out, "--tau-hours", rng.choice(["40", "60", "100", "150", "200"]))
        started = time.monotonic()
        try:
            proc.wait(timeout=rng.uniform(0.02, 1.0) * full_run)  # any moment from start-up to exit
            finished += 1
            full_run = min(full_run, time.monotonic() - started)
        except subprocess.TimeoutExpired:
            proc.send_signal(signal.SIGKILL)
            killed += 1
        _, err = proc.communicate(timeout=60)
        assert proc.returncode in (0, -signal.SIGKILL), err
        published.add(check_published(out)["run_id"])  # whole after every kill
        assert lock_is_free(out)
    assert killed == 21

    last = popen_refresh(out)
    assert last.wait(timeout=120) == 0, last.communicate()[1]
    published.add(check_published(out)["run_id"])
    history = store.read_history(out, limit_runs=None)
    assert published <= set(history["run_id"])  # a run killed before its history row got it later
    assert (history.groupby("run_id").size() == N_DISTRICTS).all()
    assert leftovers(out) == []


# --------------------------------------------------------------------------- every step of publishing

#: Calls that change the folder or the database: the child kills itself just before the n-th one.
STEPS = ("mkdir", "chmod", "fsync", "replace", "symlink", "unlink", "rmdir", "ftruncate", "pwrite")


class _CountedConnection:
    """A sqlite3 connection whose statements count as steps (so kills land inside transactions)."""

    def __init__(self, con, counted):
        self._con, self._counted = con, counted

    def __getattr__(self, name):
        attr = getattr(self._con, name)
        return self._counted(attr) if name in ("execute", "executemany") else attr


def _publish_killed_at(out, kill_at: int, csv: bytes, info: dict, report_fd: int) -> None:
    """In a forked child: lock and publish, SIGKILL-ing this process before step ``kill_at``."""
    calls = 0

    def counted(fn):
        def step(*args, **kwargs):
            nonlocal calls
            calls += 1
            if calls == kill_at:
                os.kill(os.getpid(), signal.SIGKILL)
            return fn(*args, **kwargs)
        return step

    for name in STEPS:
        setattr(os, name, counted(getattr(os, name)))
    connect = store._write_connection
    store._write_connection = lambda output_dir: _CountedConnection(connect(output_dir), counted)
    with store.refresh_lock(out):
        store.publish(out, csv, info, keep_runs=2)
    os.write(report_fd, str(calls).encode())


def publish_in_child(out, kill_at: int, csv: bytes, info: dict) -> tuple[int, int]:
    """Fork, publish in the child (killed before step ``kill_at``; 0 = never); return
    (wait status, steps the child counted when it finished)."""
    read_fd, write_fd = os.pipe()
    pid = os.fork()
    if pid == 0:  # child: never returns into pytest
        code = 0
        try:
            os.close(read_fd)
            _publish_killed_at(out, kill_at, csv, info, write_fd)
        except BaseException:
            traceback.print_exc()
            code = 70
        os._exit(code)
    os.close(write_fd)
    with os.fdopen(read_fd, "rb") as pipe:
        steps = pipe.read()
    _, status = os.waitpid(pid, 0)
    return status, int(steps or 0)


def test_sigkill_before_each_step_of_publishing_never_breaks_the_published_folder(tmp_path):
    from heatneed import pipeline
    from heatneed.config import model_params
    from heatneed.export import priority_bytes

    out = tmp_path / "out"
    result = pipeline.rank(pipeline.load_inputs(forecast=FORECAST), model_params())
    base = priority_bytes(result.priority)
    info = {"forecast": {"source": "file:forecast.csv", "issued_at": "2026-02-01T00:00:00Z", "stale": False}}

    def variant(n: int) -> bytes:  # a different list each time: new dated list, new run folder
        return base.replace(b"2026-02-01T06:00:00Z", f"2026-02-01T06:{n // 60:02d}:{n % 60:02d}Z".encode())

    for n in (1, 2, 3):  # the third prunes a run folder: the steps of a steady-state run
        status, steps = publish_in_child(out, 0, variant(n), info)
        assert os.WIFEXITED(status) and os.WEXITSTATUS(status) == 0
    published = {check_published(out)["run_id"]}
    assert steps > 25  # lock, recovery check, dated list, run folder, link swap, history, pruning

    for kill_at in range(1, steps + 1):
        status, _ = publish_in_child(out, kill_at, variant(10 + 2 * kill_at), info)
        assert os.WIFSIGNALED(status) and os.WTERMSIG(status) == signal.SIGKILL, f"step {kill_at}"
        manifest = check_published(out)
        published.add(manifest["run_id"])
        assert lock_is_free(out), f"step {kill_at}"
        # The next good run records a run killed after its swap, then publishes its own.
        status, _ = publish_in_child(out, 0, variant(11 + 2 * kill_at), info)
        assert os.WIFEXITED(status) and os.WEXITSTATUS(status) == 0, f"after step {kill_at}"
        latest = check_published(out)
        published.add(latest["run_id"])
        history = store.read_history(out, limit_runs=None)
        assert published <= set(history["run_id"]), f"step {kill_at}"
        assert history["run_id"].iloc[-1] == latest["run_id"]
        assert leftovers(out) == [], f"step {kill_at}"
    assert json.loads((out / "latest" / "manifest.json").read_text())["districts"] == N_DISTRICTS
