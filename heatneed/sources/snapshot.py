"""Our own store of live forecasts, so a failed fetch can fall back to recent data (README: Scheduled refresh).

meteostat's cache is no offline store: a stale entry refreshed while offline is overwritten with
an empty table ([Meteostat]). So after every successful live fetch
the canonical Dataset is written to ``<snapshot_dir>/<source>_<YYYYmmddTHHMMSSZ>.nc`` (UTC
fetch time), through a temporary file in the same folder and ``os.replace``, so a reader never
sees half a file. A snapshot that cannot be read is skipped with a warning.
"""

from __future__ import annotations

import logging
import os
import re
import tempfile
from dataclasses import dataclass
from pathlib import Path

import pandas as pd
import xarray as xr

from .base import iso_utc, utc_naive

log = logging.getLogger(__name__)
STAMP = "%Y%m%dT%H%M%SZ"
_NAME = re.compile(r"^(?P<source>[a-z0-9][a-z0-9-]*)_(?P<stamp>\d{8}T\d{6}Z)\.nc$")


@dataclass(frozen=True)
class Snapshot:
    """A snapshot read back: its file, data, UTC fetch time and age [h] at ``now``."""

    path: Path
    dataset: xr.Dataset
    fetched_at: pd.Timestamp
    age_hours: float


def snapshot_name(source: str, fetched_at) -> str:
    """``meteostat_20260113T061500Z.nc`` for a source name and a UTC fetch time."""
    return f"{source}_{utc_naive([fetched_at])[0].strftime(STAMP)}.nc"


def save_snapshot(ds: xr.Dataset, snapshot_dir, source: str, fetched_at) -> Path:
    """Write ``ds`` atomically as this source's snapshot at ``fetched_at`` (UTC); return its path."""
    folder = Path(snapshot_dir)
    folder.mkdir(parents=True, exist_ok=True)
    target = folder / snapshot_name(source, fetched_at)
    out = ds.copy()
    out.attrs = {k: v for k, v in ds.attrs.items() if k not in ("stale", "stale_age_hours")}
    out.attrs["fetched_at"] = iso_utc(utc_naive([fetched_at])[0])
    out = out.assign_coords(district=out["district"].astype(str))
    fd, tmp = tempfile.mkstemp(prefix=f".{target.name}.", suffix=".part", dir=folder)
    os.close(fd)
    try:
        out.to_netcdf(tmp, engine="netcdf4")
        os.replace(tmp, target)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise
    return target


def list_snapshots(snapshot_dir, source: str | None = None) -> list[tuple[pd.Timestamp, Path]]:
    """Snapshot files as ``(fetched_at, path)``, newest first; ``source=None`` means any source."""
    folder = Path(snapshot_dir)
    if not folder.is_dir():
        return []
    found = []
    for path in folder.iterdir():
        match = _NAME.match(path.name)
        if match and (source is None or match["source"] == source):
            found.append((pd.Timestamp(pd.to_datetime(match["stamp"], format=STAMP)), path))
    return sorted(found, key=lambda item: item[0], reverse=True)


def usable_snapshots(snapshot_dir, source: str | None, max_age_hours: float | None = None, now=None):
    """Readable snapshots of ``source`` (None: any) no older than ``max_age_hours`` [h] at ``now``
    (UTC; default the current time), newest first, as ``Snapshot``. Unreadable files are skipped
    with a warning, never fatal."""
    now = utc_naive([now if now is not None else pd.Timestamp.now(tz="UTC")])[0]
    for fetched_at, path in list_snapshots(snapshot_dir, source):
        age = (now - fetched_at) / pd.Timedelta(hours=1)
        if max_age_hours is not None and age > max_age_hours:
            return  # newest first: every later one is older still
        try:
            with xr.open_dataset(path, engine="netcdf4") as ds:
                data = ds.load()
            _check_shape(data)
        except Exception as exc:  # any unreadable file is skipped, never fatal
            log.warning("skipping unreadable forecast snapshot %s: %s", path, exc)
            continue
        data = data.assign_coords(district=data["district"].values.astype(object))
        yield Snapshot(path, data, fetched_at, round(age, 2))


def latest_snapshot(snapshot_dir, source: str | None, max_age_hours: float | None = None,
                    now=None) -> Snapshot | None:
    """The newest readable snapshot (see ``usable_snapshots``); ``None`` if there is none."""
    return next(usable_snapshots(snapshot_dir, source, max_age_hours, now), None)


def _check_shape(ds: xr.Dataset) -> None:
    missing = {"temp_c", "wind_kmh", "is_forecast"} - set(ds.data_vars)
    missing |= {"district", "time", "member"} - set(ds.dims)
    if missing:
        raise ValueError(f"not a forecast snapshot (missing {', '.join(sorted(missing))})")
