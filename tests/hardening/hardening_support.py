"""Helpers for the hardening tests (imported by name: tests/ is not a package)."""

from __future__ import annotations

import csv
import io
import os
import sys
from pathlib import Path

import pandas as pd

ROOT = Path(__file__).resolve().parents[2]
CORPUS = Path(__file__).resolve().parent / "corpus"
CASES = list(csv.DictReader(open(CORPUS / "EXPECTED.csv", encoding="utf-8")))
SCENARIO = ROOT / "data" / "scenarios" / "kyiv-2026-02"
SOURCE_FIXTURES = ROOT / "tests" / "sources" / "fixtures"
MIME = {".csv": "text/csv", ".txt": "text/plain", ".json": "application/json"}


def mime_of(name: str) -> str:
    return MIME.get(Path(name).suffix.lower(), "application/octet-stream")


# --------------------------------------------------------------------------- good uploads

def good_upload(role: str) -> tuple[str, bytes]:
    """A valid upload per app role that ranks differently from the embedded scenario."""
    if role == "unheated":  # as Excel saves it in a Ukrainian locale; Pecherskyi alone reports
        return "unheated_good.csv", ("\ufeffdistrict_code;reported_at;unheated_buildings;residents\r\n"
                                     "UA80000000000624772;2026-02-01;400;92000\r\n").encode("utf-8")
    if role == "outages":  # every district without power all day
        frame = pd.read_csv(SCENARIO / "outages.csv", dtype=str)
        frame["status"], frame["hours_off_per_day"] = "emergency", "24"
        return "outages_good.csv", frame.to_csv(index=False).encode()
    if role == "forecast":
        path = SOURCE_FIXTURES / "open_meteo" / "ensemble_list.json"
        return "forecast_good.json", path.read_bytes()
    if role == "warming_sites":  # one large site per district: capacity replaces warming_places
        frame = pd.read_csv(SCENARIO / "districts.csv", dtype=str)
        lines = ["site_id,name,lat,lon,district_code,capacity_persons,hours_open_per_day,generator_kw"]
        lines += [f"S{i},Site {i},{r.lat},{r.lon},{r.district_code},20000,24,30" for i, r in enumerate(frame.itertuples())]
        return "warming_sites_good.csv", "\n".join(lines).encode()
    raise ValueError(role)


def unheated_counts(codes: list[str], buildings: int) -> bytes:
    """An unheated report naming ``codes`` with ``buildings`` each (residents from the registry)."""
    lines = ["district_code,reported_at,unheated_buildings"]
    lines += [f"{code},2026-02-01T06:00:00Z,{buildings}" for code in codes]
    return ("\n".join(lines) + "\n").encode()


# --------------------------------------------------------------------------- CSV read-back

def csv_rows(data: bytes) -> list[list[str]]:
    """Rows of an exported CSV as the ``csv`` module reads them (UTF-8, optional BOM)."""
    return list(csv.reader(io.StringIO(data.decode("utf-8-sig"), newline="")))


# --------------------------------------------------------------------------- writes seen by the interpreter

_recording: list | None = None


def _absolute(path, dir_fd=None) -> str:
    """``path`` as an absolute path at the moment of the event (``dir_fd``: the folder it is relative to)."""
    import os

    path = os.fsdecode(path) if isinstance(path, bytes) else str(path)
    if os.path.isabs(path):
        return path
    if isinstance(dir_fd, int) and dir_fd >= 0:
        return os.path.join(os.readlink(f"/proc/self/fd/{dir_fd}"), path)
    return os.path.abspath(path)


#: audit event -> (positions of the paths written, position of their dir_fd or None)
_PATH_ARGS = {"os.mkdir": ((0,), 2), "os.remove": ((0,), 1), "os.rmdir": ((0,), 1),
              "os.rename": ((0, 1), 2), "os.replace": ((0, 1), 2), "os.symlink": ((1,), 2),
              "os.link": ((1,), 3), "os.truncate": ((0,), None), "os.chmod": ((0,), 2),
              "os.chown": ((0,), 3), "shutil.copyfile": ((1,), None), "shutil.move": ((0, 1), None),
              "shutil.rmtree": ((0,), 1)}


def _audit(event: str, args: tuple) -> None:
    if _recording is None:
        return
    if event == "open":
        path, mode, flags = (tuple(args) + (None, None, None))[:3]
        writes = (isinstance(mode, str) and any(c in mode for c in "wax+")) or \
                 (isinstance(flags, int) and flags & (os.O_WRONLY | os.O_RDWR | os.O_CREAT))
        if writes and isinstance(path, (str, bytes, Path)):
            _recording.append((event, _absolute(path)))
    elif event in _PATH_ARGS:
        positions, fd_at = _PATH_ARGS[event]
        dir_fd = args[fd_at] if fd_at is not None and fd_at < len(args) else None
        for i in positions:
            if i < len(args) and isinstance(args[i], (str, bytes, Path)):
                _recording.append((event, _absolute(args[i], dir_fd)))


_installed = False


class WriteRecorder:
    """Record every path this interpreter opens for writing, creates, renames or deletes while active.

    Uses a PEP 578 audit hook (installed once per process, inert when no recorder is active).
    Files written by C libraries (HDF5, eccodes) are not seen: they only read uploads here.
    """

    def __enter__(self) -> list[tuple[str, str]]:
        global _recording, _installed
        if not _installed:
            sys.addaudithook(_audit)
            _installed = True
        _recording = []
        self.events = _recording
        return self.events

    def __exit__(self, *exc) -> None:
        global _recording
        _recording = None


def tree(folder: Path) -> dict[str, bytes]:
    """Every file under ``folder`` with its bytes (symlinks as their target)."""
    out = {}
    for path in sorted(Path(folder).rglob("*")):
        rel = path.relative_to(folder).as_posix()
        if path.is_symlink():
            out[rel] = b"-> " + os.readlink(path).encode()
        elif path.is_file():
            out[rel] = path.read_bytes()
    return out
