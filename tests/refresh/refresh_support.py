"""Helpers for the refresh tests: the embedded scenario, subprocesses, published-state checks."""

from __future__ import annotations

import fcntl
import hashlib
import json
import os
import subprocess
import sys
from pathlib import Path

import pandas as pd

ROOT = Path(__file__).resolve().parents[2]
SCENARIO = ROOT / "data" / "scenarios" / "kyiv-2026-02"
FORECAST = SCENARIO / "forecast.csv"
NETBLOCK = ROOT / "tests" / "netblock"  # sitecustomize that blocks the network in subprocesses
N_DISTRICTS = 10


def subprocess_env() -> dict:
    """Environment for ``python -m heatneed`` subprocesses: repo importable, network blocked."""
    env = dict(os.environ)
    env["PYTHONPATH"] = os.pathsep.join([str(NETBLOCK), str(ROOT)])
    for var in ("HTTP_PROXY", "HTTPS_PROXY", "http_proxy", "https_proxy"):  # belt and braces
        env[var] = "http://127.0.0.1:9"
    env.pop("HEATNEED_DEBUG", None)
    env.pop("HEATNEED_OUTPUT_DIR", None)
    return env


def refresh_argv(out: Path, *extra) -> list[str]:
    return ["refresh", "--forecast", str(FORECAST), "--output-dir", str(out), *map(str, extra)]


def popen_refresh(out: Path, *extra, argv=None) -> subprocess.Popen:
    """A real ``python -m heatneed refresh`` subprocess (scenario forecast unless ``argv``)."""
    return subprocess.Popen([sys.executable, "-m", "heatneed", *(argv or refresh_argv(out, *extra))],
                            cwd=ROOT, env=subprocess_env(), stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                            text=True)


def sha256(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def files_state(out: Path) -> dict[str, bytes]:
    """Every file of the output folder (symlinks as their target) except the lock and the
    snapshots: what 'nothing published changes' compares."""
    state = {}
    for path in sorted(Path(out).rglob("*")):
        rel = path.relative_to(out).as_posix()
        if rel == ".lock" or rel.startswith("snapshots"):
            continue
        if path.is_symlink():
            state[rel] = b"-> " + os.readlink(path).encode()
        elif path.is_file():
            state[rel] = path.read_bytes()
    return state


def check_published(out: Path) -> dict:
    """The published folder is whole: latest/ readable, every manifest file present with its
    sha256, the list complete. Returns the manifest."""
    out = Path(out)
    manifest = json.loads((out / "latest" / "manifest.json").read_bytes())
    assert set(manifest["files"]) >= {"latest/priority.csv"}
    for name, meta in manifest["files"].items():
        data = (out / name).read_bytes()  # raises if the manifest names a missing file
        assert sha256(data) == meta["sha256"], f"{name} does not match the manifest"
        assert len(data) == meta["bytes"]
    frame = pd.read_csv(out / "latest" / "priority.csv")
    assert len(frame) == N_DISTRICTS and list(frame["rank"]) == list(range(1, N_DISTRICTS + 1))
    return manifest


def make_snapshot(folder: Path, source: str, age_hours: float):
    """A forecast snapshot of ``source`` fetched ``age_hours`` ago covering the next 72 h: the
    embedded scenario forecast moved to the current hour. Returns its path."""
    from heatneed.sources.snapshot import save_snapshot

    ds = scenario_forecast_now(source)
    fetched = pd.Timestamp.now(tz="UTC").tz_localize(None) - pd.Timedelta(hours=age_hours)
    return save_snapshot(ds, folder, source, fetched)


def scenario_forecast_now(source: str):
    """The scenario forecast as a live source would return it now (starting at the current hour)."""
    from heatneed import pipeline

    ds = pipeline.load_inputs(forecast=FORECAST).forecast
    now = pd.Timestamp.now(tz="UTC").tz_localize(None).floor("h")
    ds = ds.assign_coords(time=ds["time"] + (now - pd.Timestamp(ds["time"].values[0])))
    ds.attrs.update(source=source, issued_at=now.strftime("%Y-%m-%dT%H:%M:%SZ"))
    return ds


def lock_is_free(out: Path) -> bool:
    """Whether a new run could take the output folder's lock right now."""
    fd = os.open(Path(out) / ".lock", os.O_RDWR | os.O_CREAT)
    try:
        fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        return True
    except BlockingIOError:
        return False
    finally:
        os.close(fd)
