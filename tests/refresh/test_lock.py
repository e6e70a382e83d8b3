"""One writer at a time: an overlapping run exits 3 (or waits with --wait) and corrupts nothing."""

from __future__ import annotations

import contextlib
import fcntl
import os
import selectors

import pytest

from heatneed import store

from refresh_support import check_published, files_state, lock_is_free, popen_refresh, refresh_argv

HOLDER = "pid 4242 since 2026-11-27T06:15:00Z"


@contextlib.contextmanager
def held_lock(out):
    """The output folder's lock held as another refresh would hold it."""
    out.mkdir(parents=True, exist_ok=True)
    fd = os.open(out / ".lock", os.O_RDWR | os.O_CREAT)
    try:
        fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        os.ftruncate(fd, 0)
        os.write(fd, f"{HOLDER}\n".encode())
        yield
    finally:
        os.close(fd)


def wait_for_line(stream, text: str, timeout: float = 60.0) -> str:
    """Read ``stream`` until a line contains ``text``; fail if it ends or ``timeout`` passes first."""
    seen = []
    with selectors.DefaultSelector() as sel:
        sel.register(stream, selectors.EVENT_READ)
        while sel.select(timeout):
            line = stream.readline()
            if not line:
                break
            seen.append(line)
            if text in line:
                return line
    pytest.fail(f"no line with {text!r} in: {''.join(seen)!r}")


def test_an_overlapping_run_exits_3_naming_the_other_run_and_changes_nothing(published, run):
    before = files_state(published)
    with held_lock(published):
        code, err = run(*refresh_argv(published))
    assert code == 3
    assert "another refresh is running" in err and HOLDER in err and str(published / ".lock") in err
    assert err.count("\n") == 1  # one line, no traceback
    assert files_state(published) == before


def test_wait_gives_up_with_exit_3_after_its_limit(published, run):
    before = files_state(published)
    with held_lock(published):
        code, err = run(*refresh_argv(published, "--wait", "0.3"))
    assert code == 3 and "after waiting 0.3 s" in err
    assert files_state(published) == before


def test_wait_runs_once_the_other_run_has_finished(published):
    first = check_published(published)
    with held_lock(published):
        proc = popen_refresh(published, "--wait")
        wait_for_line(proc.stderr, "waiting for it")
        assert proc.poll() is None  # still waiting while the lock is held
        assert check_published(published) == first
    _, err = proc.communicate(timeout=120)
    assert proc.returncode == 0, err
    assert check_published(published)["run_id"] != first["run_id"]
    assert store.read_history(published)["run_id"].nunique() == 2


def test_two_real_runs_at_once_never_corrupt_anything(published):
    procs = [popen_refresh(published) for _ in range(2)]
    results = [(p.wait(timeout=120), p.communicate()[1]) for p in procs]
    codes = sorted(code for code, _ in results)
    assert codes in ([0, 0], [0, 3]), results
    for code, err in results:
        if code == 3:
            assert "another refresh is running" in err and "pid " in err
    check_published(published)
    assert store.read_history(published)["run_id"].nunique() == 1 + codes.count(0)
    assert lock_is_free(published)


def test_a_refused_run_waits_a_moment_for_the_holders_line(published, run):
    """A run refused just after another took the lock, before that one wrote its line, reads the
    line once written (within ``store.HOLDER_SETTLE_S``) rather than calling the holder unknown."""
    import threading

    published.mkdir(parents=True, exist_ok=True)
    fd = os.open(published / ".lock", os.O_RDWR | os.O_CREAT)
    try:
        fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        os.ftruncate(fd, 0)  # taken, its line not written yet
        writer = threading.Timer(0.15, lambda: os.pwrite(fd, f"{HOLDER}\n".encode(), 0))
        writer.start()
        with pytest.raises(store.Busy, match="pid 4242"):
            with store.refresh_lock(published):
                pass
        writer.join()
    finally:
        os.close(fd)
    empty = published / "other"
    empty.mkdir()
    fd = os.open(empty / ".lock", os.O_RDWR | os.O_CREAT)
    try:
        fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)  # a holder that never writes its line
        with pytest.raises(store.Busy, match="holder unknown"):
            with store.refresh_lock(empty):
                pass
    finally:
        os.close(fd)
