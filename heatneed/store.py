"""The published folder and the run history (README: Scheduled refresh): the contract between the refresh job,
the app and ``python -m heatneed history``.

An output folder ``DIR`` holds::

    DIR/latest -> runs/<run_id>        symlink, swapped in one rename(2): the published state
    DIR/latest/priority.csv            the priority list (README: Priority list columns, plain CSV)
    DIR/latest/needs.csv               the needs per district (heatneed.needs), same run
    DIR/latest/manifest.json           what that list is (see ``publish``), written last
    DIR/runs/<run_id>/                 one folder per published run; the newest ``keep_runs`` kept
    DIR/lists/priority_<ISSUED>.csv    dated lists, named by forecast issue time, never rewritten
    DIR/history.sqlite                 one row per run and per district per run (WAL mode)
    DIR/snapshots/                     live-forecast snapshots, the fallback when a source fails
    DIR/.lock                          flock-ed by a running refresh; the OS releases it on death

Why a symlink: ``priority.csv`` and ``manifest.json`` are two files, and only swapping the folder
they live in with one rename lets a reader, or a writer killed at any instant, never see a new
list with an old manifest. A run killed before the swap leaves ``latest`` untouched; the next run
deletes its leftovers. ``read_published`` resolves the link once and checks the list against the
manifest's sha256, so it sees one whole published state or ``None``.

History is written only for published runs (a failed run leaves no row; its exit code and log
say why). If a run is killed between the swap and its history row, the next run records the
published run first, so the history always matches what was published.
"""

from __future__ import annotations

import contextlib
import errno
import hashlib
import json
import logging
import math
import os
import secrets
import shutil
import sqlite3
import stat
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Callable, Iterator

import pandas as pd

from .columns import DISTRICT_COLUMNS, PRIORITY_DTYPES
from .errors import InputError, located
from .export import write_atomic

log = logging.getLogger(__name__)

LATEST, RUNS, LISTS, SNAPSHOTS = "latest", "runs", "lists", "snapshots"
PRIORITY_FILE, MANIFEST_FILE, HISTORY_FILE, LOCK_FILE = "priority.csv", "manifest.json", "history.sqlite", ".lock"
MANIFEST_FORMAT = "heatneed-published/1"
KEEP_RUNS = 10
#: ``PRAGMA user_version`` of ``history.sqlite``. 1: the first layout. 2: ``district_runs`` follows the
#: list's columns; an older file gains the columns it lacks (NULL in its old rows) in one transaction.
#: A file of a newer version (written by a newer heatneed) is refused, never written into.
SCHEMA_VERSION = 2

# The list's columns are read back with ``PRIORITY_DTYPES`` (text keeps "" as ""); the history keeps
# ``DISTRICT_COLUMNS`` per district: both from the one column registry (``heatneed.columns``).
RUN_COLUMNS = ["run_id", "published_at", "forecast_issued_at", "forecast_source", "stale",
               "stale_age_hours", "data_as_of"]
HISTORY_COLUMNS = RUN_COLUMNS + DISTRICT_COLUMNS


def default_output_dir() -> Path:
    """``$HEATNEED_OUTPUT_DIR``, else ``$XDG_DATA_HOME/heatneed`` (``~/.local/share/heatneed``)."""
    if os.environ.get("HEATNEED_OUTPUT_DIR"):
        return Path(os.environ["HEATNEED_OUTPUT_DIR"])
    base = os.environ.get("XDG_DATA_HOME") or Path.home() / ".local" / "share"
    return Path(base) / "heatneed"


def sha256_hex(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def _iso(ts: pd.Timestamp) -> str:
    return ts.tz_convert("UTC").strftime("%Y-%m-%dT%H:%M:%SZ")


def _utc(ts) -> pd.Timestamp:
    t = pd.Timestamp(ts if ts is not None else pd.Timestamp.now(tz="UTC"))
    return t.tz_localize("UTC") if t.tzinfo is None else t.tz_convert("UTC")


# --------------------------------------------------------------------------- reading the list

@dataclass(frozen=True)
class Published:
    """The published state of an output folder, read back whole."""

    priority: pd.DataFrame  # README: Priority list columns, dtypes as ``PRIORITY_DTYPES``
    manifest: dict  # latest/manifest.json (see ``publish``)
    published_at: pd.Timestamp  # UTC
    age_hours: float  # hours since publication at the time of reading [h]
    stale: bool  # a snapshot stood in for a failed source, or the forecast was older than the threshold
    run_dir: Path  # the folder ``latest`` pointed at when read


def read_priority_csv(data: bytes) -> pd.DataFrame:
    """A priority list CSV (as published: plain, no HXL row) as a DataFrame with the §5 dtypes.

    Text cells are returned as written, i.e. with the leading apostrophe that neutralised
    formula-like text (``export.neutralise``).
    """
    import io

    header = pd.read_csv(io.BytesIO(data), nrows=0).columns
    numeric = [c for c in header if PRIORITY_DTYPES.get(c, "str") != "str"]
    frame = pd.read_csv(io.BytesIO(data), dtype={c: PRIORITY_DTYPES.get(c, "str") for c in header},
                        keep_default_na=False, na_values={c: [""] for c in numeric})
    return frame


def resolve_file(output_dir: Path, run_dir: Path, name: str) -> Path:
    """Where a manifest ``files`` entry lives: ``latest/x`` inside ``run_dir``, others under DIR."""
    prefix = LATEST + "/"
    return run_dir / name[len(prefix):] if name.startswith(prefix) else Path(output_dir) / name


def read_published(output_dir, now=None) -> Published | None:
    """The latest published list of ``output_dir``, or ``None`` if there is none yet.

    Never raises for a missing, half-written or concurrently replaced folder: ``latest`` is
    resolved once, the list is checked against the manifest's sha256, and a state swapped or
    pruned mid-read is read again (at most three times, then ``None``). ``now`` (UTC; default
    the current time) sets ``age_hours``.
    """
    output_dir = Path(output_dir)
    latest = output_dir / LATEST
    for _ in range(3):
        if not os.path.lexists(latest):
            return None
        try:
            run_dir = Path(os.path.realpath(latest))
            manifest = json.loads((run_dir / MANIFEST_FILE).read_bytes())
            name = f"{LATEST}/{PRIORITY_FILE}"
            data = resolve_file(output_dir, run_dir, name).read_bytes()
            if sha256_hex(data) != manifest["files"][name]["sha256"]:
                raise ValueError("list does not match its manifest")
            priority = read_priority_csv(data)
            published_at = _utc(manifest["published_at"])
        except (OSError, ValueError, KeyError, TypeError) as exc:  # swapped or pruned under us
            log.debug("re-reading %s: %s", latest, exc)
            continue
        age = (_utc(now) - published_at) / pd.Timedelta(hours=1)
        stale = bool(manifest.get("forecast", {}).get("stale", False)
                     or (manifest.get("data_state") or {}).get("stale", False))
        return Published(priority, manifest, published_at, float(age), stale, run_dir)
    return None


def read_published_file(published: Published, name: str) -> bytes | None:
    """Bytes of another file of the same published run (``needs.csv``), checked against its
    manifest's sha256; ``None`` if that run did not publish it or it no longer matches."""
    entry = published.manifest.get("files", {}).get(f"{LATEST}/{name}")
    if not entry:
        return None
    try:
        data = (published.run_dir / name).read_bytes()
    except OSError:
        return None
    return data if sha256_hex(data) == entry.get("sha256") else None


# --------------------------------------------------------------------------- the lock

class Busy(RuntimeError):
    """Another refresh holds the output folder's lock (exit code 3)."""


#: How long a refused run waits for the holder's line [s]: a run writes it just after taking the
#: lock, so one refused in between reads an empty file for a moment (a race seen in the test suite).
HOLDER_SETTLE_S = 0.5


def _holder(fd: int) -> str:
    """The lock holder's line ("pid N since T"), read again for up to ``HOLDER_SETTLE_S`` while
    it is still empty; "holder unknown" when it stays empty (a holder that stopped before writing)."""
    deadline = time.monotonic() + HOLDER_SETTLE_S
    while True:
        try:
            text = os.pread(fd, 200, 0).decode("utf-8", "replace").strip()
        except OSError:
            text = ""
        if text or time.monotonic() >= deadline:
            return text or "holder unknown"
        time.sleep(0.02)


@contextlib.contextmanager
def refresh_lock(output_dir, wait_s: float | None = 0.0,
                 on_wait: Callable[[str], None] | None = None) -> Iterator[Path]:
    """Hold ``DIR/.lock`` (``flock``) for one writer at a time.

    ``wait_s``: 0 fails at once, a number waits up to that many seconds, ``None`` waits as long
    as it takes. Raises ``Busy`` (naming the holder) when the lock is not obtained. ``on_wait``
    is called once with the holder's description when waiting starts. The lock belongs to the
    open file, so the OS releases it when the process ends, however it ends. POSIX only (the
    readers of this module work everywhere).
    """
    import fcntl

    output_dir = Path(output_dir)
    output_dir.mkdir(parents=True, exist_ok=True)
    path = output_dir / LOCK_FILE
    try:  # never through a symlink (it could truncate a file outside the folder), never a FIFO
        fd = os.open(path, os.O_RDWR | os.O_CREAT | os.O_NOFOLLOW | os.O_NONBLOCK | os.O_CLOEXEC, 0o644)
    except OSError as exc:
        if exc.errno == errno.ELOOP:
            raise OSError(errno.ELOOP, "is a symbolic link; the lock file must be a plain file (remove it)",
                          str(path)) from None
        raise
    try:
        if not stat.S_ISREG(os.fstat(fd).st_mode):
            raise OSError(errno.EINVAL, "is not a plain file; the lock file must be a plain file (remove it)",
                          str(path))
        if not _try_flock(fd):
            holder = _holder(fd)
            if wait_s is not None and wait_s <= 0:
                raise Busy(f"another refresh is running in {output_dir} ({holder}); {path} is locked")
            if on_wait:
                on_wait(holder)
            if wait_s is None:
                fcntl.flock(fd, fcntl.LOCK_EX)
            else:
                deadline = time.monotonic() + wait_s
                while not _try_flock(fd):
                    if time.monotonic() >= deadline:
                        raise Busy(f"another refresh is still running in {output_dir} after waiting "
                                   f"{wait_s:g} s ({_holder(fd)}); {path} is locked")
                    time.sleep(0.1)
        os.ftruncate(fd, 0)
        os.pwrite(fd, f"pid {os.getpid()} since {_iso(_utc(None))}\n".encode(), 0)
        yield path
    finally:
        os.close(fd)  # releases the flock


def _try_flock(fd: int) -> bool:
    import fcntl

    try:
        fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        return True
    except BlockingIOError:
        return False


# --------------------------------------------------------------------------- publishing

def new_run_id(now=None) -> str:
    """``20261127T183215Z-3f9a2c``: UTC start time (sorts in time order) and a random tag."""
    return f"{_utc(now).strftime('%Y%m%dT%H%M%SZ')}-{secrets.token_hex(3)}"


def dated_list_stem(issued_at: str | None, published_at: pd.Timestamp) -> str:
    """``priority_2026-02-01T0000Z`` from the forecast issue time (publication time if unknown)."""
    try:
        t = _utc(issued_at) if issued_at else None
    except (ValueError, TypeError):
        t = None
    return "priority_" + (t or published_at).strftime("%Y-%m-%dT%H%MZ")


def _dated_list(lists: Path, stem: str, data: bytes) -> tuple[Path, bool]:
    """Where the dated list for these bytes goes, and whether it must still be written:
    ``stem.csv``, or ``stem_2.csv``… when an earlier run of the same forecast issue published
    different bytes (dated lists are never rewritten, so a manifest's sha256 stays true)."""
    for n in range(1, 10_000):
        path = lists / (f"{stem}.csv" if n == 1 else f"{stem}_{n}.csv")
        try:
            existing = path.read_bytes()
        except FileNotFoundError:
            return path, True
        if existing == data:
            return path, False
    raise OSError(errno.EEXIST, "too many dated lists for one forecast issue", str(lists / stem))


def _readable(path: Path) -> None:
    """Published files are readable by the app's user: mode 0666 less the umask (the temporary
    file behind ``write_atomic`` is created 0600)."""
    mask = os.umask(0)
    os.umask(mask)
    os.chmod(path, 0o666 & ~mask)


def _write_readable(path: Path, data: bytes) -> None:
    write_atomic(path, data)
    _readable(path)


def _fsync_dir(path: Path) -> None:
    fd = os.open(path, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


def check_output_dir(output_dir) -> None:
    """Raise OSError if ``DIR/latest`` exists but is not the link this module publishes, and
    ``HistoryVersionError`` if the history was written by a newer heatneed."""
    latest = Path(output_dir) / LATEST
    if latest.exists() and not latest.is_symlink():
        raise OSError(errno.EISDIR, "is not the link refresh publishes; move it out of the way", str(latest))
    check_history(output_dir)


def publish(output_dir, csv: bytes, info: dict, now=None, keep_runs: int = KEEP_RUNS,
            extra: dict[str, bytes] | None = None) -> dict:
    """Publish a priority list into ``output_dir``; return its manifest. Hold ``refresh_lock``.

    ``csv``: the list's bytes (``export.priority_bytes``). ``info``: run facts for the manifest
    (``forecast``, ``inputs``, ``params``, ``heatneed_version``, ``data_as_of``…). ``extra``: further
    files published with the list in the same run folder, e.g. ``{"needs.csv": bytes}`` →
    ``latest/needs.csv`` and the dated ``lists/needs_<ISSUED>.csv``; they switch with the list in the
    one rename. Order: the run folder (list and extras, then manifest), the dated lists (once their
    manifest exists), the ``latest`` link swap (the moment of publication), the history rows, then
    pruning. A failure or kill before the swap changes nothing published (what the run made is
    removed again, so no list is left without its manifest); so does a failure between the swap and
    the history rows (a full disk: ``latest`` is put back). A kill there leaves the run published,
    recorded by the next run.

    Manifest fields: ``format``, ``run_id``, ``published_at`` (UTC ISO), ``heatneed_version``,
    ``forecast`` {``source``, ``issued_at``, ``stale``, ``stale_age_hours``, ``snapshot_file``},
    ``data_as_of``, ``districts`` (count), ``inputs`` {role: {``file``, ``sha256``}}, ``params``,
    ``files`` {path relative to DIR: {``sha256``, ``bytes``}} for ``latest/priority.csv``, the dated
    list ``lists/priority_<ISSUED>.csv`` and each extra file and its dated copy.
    """
    output_dir = Path(output_dir)
    check_output_dir(output_dir)
    record_published_run(output_dir)  # a run killed after its swap gets its history row first
    published = _utc(now)
    run_id = new_run_id(published)
    priority = read_priority_csv(csv)  # history holds exactly what was published
    stem = dated_list_stem(info.get("forecast", {}).get("issued_at"), published)
    contents = {PRIORITY_FILE: csv, **dict(extra or {})}
    dated_lists = {}  # name in the run folder -> (dated path, must still be written)
    files = {}
    for name, data in contents.items():
        if name != PRIORITY_FILE and (name == MANIFEST_FILE or "/" in name or name.startswith(".")):
            raise ValueError(f"cannot publish an extra file named {name!r}")
        dated_lists[name] = _dated_list(output_dir / LISTS, stem.replace("priority_", f"{Path(name).stem}_", 1), data)
        digest = {"sha256": sha256_hex(data), "bytes": len(data)}
        files[f"{LATEST}/{name}"] = files[dated_lists[name][0].relative_to(output_dir).as_posix()] = digest
    manifest = {
        "format": MANIFEST_FORMAT,
        "run_id": run_id,
        "published_at": _iso(published),
        **info,
        "districts": len(priority),
        "files": files,
    }
    runs = output_dir / RUNS
    run_dir = runs / run_id
    link = output_dir / f".{LATEST}.{run_id}.tmp"
    made: list[Path] = []  # removed again if anything fails before the swap: no list without its manifest
    try:
        run_dir.mkdir(parents=True)
        made.append(run_dir)
        for name, data in contents.items():
            _write_readable(run_dir / name, data)
        _write_readable(run_dir / MANIFEST_FILE, (json.dumps(manifest, indent=2, ensure_ascii=False) + "\n").encode())
        _fsync_dir(runs)
        for name, (dated, new_list) in dated_lists.items():  # the dated lists last, once their manifest exists
            if new_list:
                dated.parent.mkdir(parents=True, exist_ok=True)
                _write_readable(dated, contents[name])
                made.append(dated)
            else:
                _readable(dated)  # a run killed just after writing it left it private
        os.symlink(f"{RUNS}/{run_id}", link)
        made.append(link)
        undo = _undo_link(output_dir, run_id)  # made before the swap: undoing needs no new space
        os.replace(link, output_dir / LATEST)  # the moment of publication
    except BaseException:
        _remove(made)
        raise
    try:
        _fsync_dir(output_dir)
        record_run(output_dir, manifest, priority)
    except BaseException:  # e.g. a full disk: back to the previous list, so a failed run changed nothing
        if _restore_latest(output_dir, undo):
            _remove(made)
        raise
    try:
        if undo is not None:
            undo.unlink()
        prune(output_dir, keep_runs)
    except OSError as exc:  # published and recorded; leftovers go with the next run
        log.warning("published run %s, but could not tidy %s: %s", run_id, output_dir, exc)
    return manifest


def _remove(paths: list[Path]) -> None:
    """Best-effort removal of what a failed publication made (newest first)."""
    for path in reversed(paths):
        try:
            if path.is_dir() and not path.is_symlink():
                shutil.rmtree(path)
            else:
                path.unlink(missing_ok=True)
        except OSError as exc:  # the next run's prune removes what is left
            log.error("could not remove %s after a failed publication: %s", path, exc)


def _undo_link(output_dir: Path, run_id: str) -> Path | None:
    """A link to what ``latest`` points at now (None if nothing is published yet)."""
    latest = output_dir / LATEST
    if not os.path.lexists(latest):
        return None
    undo = output_dir / f".{LATEST}.{run_id}.undo.tmp"
    os.symlink(os.readlink(latest), undo)
    return undo


def _restore_latest(output_dir: Path, undo: Path | None) -> bool:
    """Put ``latest`` back as it was before the swap (a rename, or an unlink if it was absent);
    whether that worked."""
    try:
        if undo is None:
            (output_dir / LATEST).unlink()
        else:
            os.replace(undo, output_dir / LATEST)
        _fsync_dir(output_dir)
        return True
    except OSError as exc:  # the new list stays published; the next run records it in the history
        log.error("could not restore the previous %s in %s: %s", LATEST, output_dir, exc)
        return False


def prune(output_dir, keep_runs: int = KEEP_RUNS) -> None:
    """Delete run folders beyond the newest ``keep_runs`` (never the published one), run folders
    and temporary files left by killed runs. Hold ``refresh_lock``."""
    output_dir = Path(output_dir)
    current = Path(os.path.realpath(output_dir / LATEST)).name if os.path.lexists(output_dir / LATEST) else None
    for leftover in output_dir.glob(f".{LATEST}.*.tmp"):
        leftover.unlink(missing_ok=True)
    for leftover in (output_dir / LISTS).glob(".*.tmp"):
        leftover.unlink(missing_ok=True)
    runs = [p for p in (output_dir / RUNS).glob("*") if p.is_dir()]
    complete = sorted((p for p in runs if (p / MANIFEST_FILE).exists()),
                      key=lambda p: (p / MANIFEST_FILE).stat().st_mtime_ns, reverse=True)
    keep = set(complete[:max(2, keep_runs)]) | {p for p in runs if p.name == current}
    published_ids, referenced = _published_runs(output_dir)
    for path in runs:
        # Only runs started after the oldest recorded one: a history deleted and begun again
        # never makes older, published runs look unpublished.
        if (path.name != current and path.name not in published_ids and published_ids
                and path.name > min(published_ids) and (path / MANIFEST_FILE).exists()):
            # Written by a run killed before its swap: never published. Its new dated list goes too.
            for name in _manifest_files(path / MANIFEST_FILE):
                if name.startswith(LISTS + "/") and name not in referenced:
                    (output_dir / name).unlink(missing_ok=True)
            shutil.rmtree(path, ignore_errors=True)
        elif path not in keep:
            shutil.rmtree(path, ignore_errors=True)


def _manifest_files(path: Path) -> list[str]:
    try:
        return list(json.loads(path.read_bytes()).get("files", {}))
    except (OSError, ValueError, AttributeError):
        return []


def _published_runs(output_dir: Path) -> tuple[set[str], set[str]]:
    """Run ids in the history and the files their manifests name (empty if no history yet)."""
    path = output_dir / HISTORY_FILE
    if not path.exists():
        return set(), set()
    con = sqlite3.connect(path, timeout=30)
    try:
        rows = con.execute("SELECT run_id, manifest FROM runs").fetchall()
    finally:
        con.close()
    ids, files = set(), set()
    for run_id, text in rows:
        ids.add(run_id)
        try:
            files.update(json.loads(text).get("files", {}))
        except (ValueError, AttributeError):
            pass
    return ids, files


# --------------------------------------------------------------------------- history

_SQL_TYPES = {"int64": "INTEGER", "Int64": "INTEGER", "float64": "REAL", "str": "TEXT"}
_SCHEMA = (
    """CREATE TABLE IF NOT EXISTS runs (
    seq INTEGER PRIMARY KEY AUTOINCREMENT,
    run_id TEXT NOT NULL UNIQUE,
    published_at TEXT NOT NULL,
    forecast_issued_at TEXT,
    forecast_source TEXT,
    stale INTEGER NOT NULL,
    stale_age_hours REAL,
    data_as_of TEXT,
    districts INTEGER NOT NULL,
    heatneed_version TEXT,
    manifest TEXT NOT NULL
)""",
    f"""CREATE TABLE IF NOT EXISTS district_runs (
    run_id TEXT NOT NULL REFERENCES runs(run_id),
    {", ".join(f"{c} {_SQL_TYPES[PRIORITY_DTYPES[c]]}" for c in DISTRICT_COLUMNS)},
    PRIMARY KEY (run_id, district_code)
)""",
    "CREATE INDEX IF NOT EXISTS district_runs_by_code ON district_runs (district_code)",
)


class HistoryVersionError(InputError):
    """``history.sqlite`` was written by a newer heatneed (exit 2: nothing is written into it)."""


def _schema_version(con: sqlite3.Connection) -> int:
    return int(con.execute("PRAGMA user_version").fetchone()[0])


def _newer_schema(path: Path, version: int) -> HistoryVersionError:
    return HistoryVersionError(located(
        path, f"history schema version {version} is newer than this heatneed's ({SCHEMA_VERSION}); "
              "upgrade heatneed, or publish into another --output-dir"))


def check_history(output_dir) -> None:
    """Raise ``HistoryVersionError`` if ``DIR/history.sqlite`` is of a newer schema than this code's.

    Reads the version from the database header (``user_version``: 4 bytes big-endian at offset 60 of
    the SQLite file format) without opening the database, so a refused run changes no byte of it.
    """
    path = Path(output_dir) / HISTORY_FILE
    try:
        with open(path, "rb") as fh:
            header = fh.read(64)
    except FileNotFoundError:
        return
    if len(header) == 64 and header.startswith(b"SQLite format 3\x00"):
        version = int.from_bytes(header[60:64], "big")
        if version > SCHEMA_VERSION:
            raise _newer_schema(path, version)


def _migrate(con: sqlite3.Connection, path: Path) -> None:
    """Bring the history to ``SCHEMA_VERSION`` in one transaction: create what is missing, add the
    list columns an older file lacks (NULL in its old rows), stamp the version."""
    version = _schema_version(con)
    if version > SCHEMA_VERSION:
        raise _newer_schema(path, version)
    existing = {row[1] for row in con.execute("PRAGMA table_info(district_runs)")}
    if version == SCHEMA_VERSION and set(DISTRICT_COLUMNS) <= existing:
        return
    with transaction(con):
        for statement in _SCHEMA:
            con.execute(statement)
        existing = {row[1] for row in con.execute("PRAGMA table_info(district_runs)")}
        added = [c for c in DISTRICT_COLUMNS if c not in existing]
        for col in added:
            con.execute(f"ALTER TABLE district_runs ADD COLUMN {col} {_SQL_TYPES[PRIORITY_DTYPES[col]]}")
        con.execute(f"PRAGMA user_version = {SCHEMA_VERSION}")
    if version and (added or version < SCHEMA_VERSION):
        log.warning("history %s migrated from schema version %d to %d%s", path, version, SCHEMA_VERSION,
                    f" (columns added: {', '.join(added)})" if added else "")


@contextlib.contextmanager
def transaction(con: sqlite3.Connection):
    """``BEGIN IMMEDIATE`` … ``COMMIT`` on an autocommit connection (``isolation_level=None``);
    ``ROLLBACK`` if anything in the block raises. Every write to ``history.sqlite`` goes through it."""
    con.execute("BEGIN IMMEDIATE")
    try:
        yield con
        con.execute("COMMIT")
    except BaseException:
        if con.in_transaction:
            con.execute("ROLLBACK")
        raise


def history_connection(output_dir) -> sqlite3.Connection:
    """A write connection to ``DIR/history.sqlite``: WAL, schema checked and migrated (the alert tables
    of ``heatneed.alerts.state`` live in the same file)."""
    return _write_connection(Path(output_dir))


def _write_connection(output_dir: Path) -> sqlite3.Connection:
    path = output_dir / HISTORY_FILE
    con = sqlite3.connect(path, timeout=30, isolation_level=None)
    try:
        con.execute("PRAGMA journal_mode=WAL")  # readers never block the writer, nor it them
        con.execute("PRAGMA synchronous=FULL")
        _migrate(con, path)
    except BaseException:
        con.close()
        raise
    return con


def _sql_value(value):
    if value is None or value is pd.NA or (isinstance(value, float) and math.isnan(value)):
        return None
    return value.item() if hasattr(value, "item") else value


def record_run(output_dir, manifest: dict, priority: pd.DataFrame) -> bool:
    """Add a published run and its districts to ``DIR/history.sqlite`` in one transaction.

    ``priority`` is the published list (``read_priority_csv``). A run already recorded is left
    as it is (returns False). Hold ``refresh_lock``.
    """
    output_dir = Path(output_dir)
    forecast = manifest.get("forecast", {})
    con = _write_connection(output_dir)
    try:
        with transaction(con):
            cur = con.execute(
                "INSERT OR IGNORE INTO runs (run_id, published_at, forecast_issued_at, forecast_source, stale, "
                "stale_age_hours, data_as_of, districts, heatneed_version, manifest) VALUES (?,?,?,?,?,?,?,?,?,?)",
                (manifest["run_id"], manifest["published_at"], forecast.get("issued_at"), forecast.get("source"),
                 int(bool(forecast.get("stale"))), forecast.get("stale_age_hours"), manifest.get("data_as_of"),
                 len(priority), manifest.get("heatneed_version"), json.dumps(manifest, ensure_ascii=False)))
            added = cur.rowcount == 1
            if added:
                rows = [[manifest["run_id"]] + [_sql_value(v) for v in row]
                        for row in priority.reindex(columns=DISTRICT_COLUMNS).itertuples(index=False)]
                marks = ",".join("?" * (len(DISTRICT_COLUMNS) + 1))
                con.executemany(f"INSERT INTO district_runs (run_id, {', '.join(DISTRICT_COLUMNS)}) "
                                f"VALUES ({marks})", rows)
        return added
    finally:
        con.close()


def record_published_run(output_dir) -> bool:
    """Record the currently published run in the history if it is missing (a run killed between
    publishing and recording). Returns whether a row was added. Hold ``refresh_lock``."""
    published = read_published(output_dir)
    if published is None:
        return False
    added = record_run(output_dir, published.manifest, published.priority)
    if added:
        log.warning("recorded run %s in the history (its refresh stopped before doing so)",
                    published.manifest["run_id"])
    return added


def read_history(output_dir, district: str | None = None, limit_runs: int | None = 30) -> pd.DataFrame:
    """The last ``limit_runs`` published runs (all if ``None``), one row per run per district.

    Columns ``HISTORY_COLUMNS``: run facts (``run_id``, ``published_at`` and
    ``forecast_issued_at`` as UTC datetimes, ``forecast_source``, ``stale``,
    ``stale_age_hours``, ``data_as_of``) then the list's columns; oldest run first, then by rank.
    ``district`` keeps one district. An empty frame when nothing was published yet.

    Opens the database read-only with a busy timeout; WAL mode lets this run while a refresh
    writes. An unreadable database raises ``SourceError``.
    """
    from .errors import SourceError

    path = Path(output_dir) / HISTORY_FILE
    empty = pd.DataFrame({c: pd.Series(dtype=_history_dtype(c)) for c in HISTORY_COLUMNS})
    if not path.exists():
        return empty
    where, params = "", []
    if district is not None:
        where, params = "WHERE d.district_code = ?", [str(district)]
    limit = "" if limit_runs is None else f"ORDER BY seq DESC LIMIT {int(limit_runs)}"
    try:
        con = sqlite3.connect(f"{path.resolve().as_uri()}?mode=ro", uri=True, timeout=10)
        try:
            tables = {name for (name,) in con.execute("SELECT name FROM sqlite_master WHERE type = 'table'")}
            if not {"runs", "district_runs"} <= tables:
                return empty
            stored = {row[1] for row in con.execute("PRAGMA table_info(district_runs)")}
            # A file not yet migrated (the next refresh does it) lacks the newest columns: read as empty.
            district = ", ".join(f"d.{c}" if c in stored else f"NULL AS {c}" for c in DISTRICT_COLUMNS if c != "run_id")
            query = (f"SELECT r.seq AS _seq, {', '.join('r.' + c for c in RUN_COLUMNS)}, {district} "
                     f"FROM (SELECT * FROM runs {limit}) r JOIN district_runs d ON d.run_id = r.run_id {where} "
                     f"ORDER BY r.seq, d.rank")
            frame = pd.read_sql_query(query, con, params=params)
        finally:
            con.close()
    except sqlite3.Error as exc:
        raise SourceError(f"{path}: history unreadable ({exc})") from None
    frame = frame.drop(columns="_seq")
    for col in HISTORY_COLUMNS:
        frame[col] = _as_history_dtype(frame[col], col)
    return frame[HISTORY_COLUMNS].reset_index(drop=True)


def _history_dtype(col: str):
    if col in ("published_at", "forecast_issued_at"):
        return "datetime64[ns, UTC]"
    if col == "stale":
        return "bool"
    if col == "stale_age_hours":
        return "float64"
    return PRIORITY_DTYPES.get(col, "str")


def _as_history_dtype(series: pd.Series, col: str) -> pd.Series:
    kind = _history_dtype(col)
    if kind.startswith("datetime"):
        return pd.to_datetime(series, utc=True, errors="coerce")
    if kind == "str":
        return series.fillna("").astype("str")
    if kind == "bool":
        return series.astype(bool)
    return series.astype(kind)
