"""Live forecast with snapshot fallback: the one entry point for ``--forecast-source`` (README: Scheduled refresh).

``fetch_forecast(source_name, districts, start, end, settings, snapshot_dir, now=None)``:

- ``"meteostat"`` (default) or ``"open-meteo"``: fetch live; on success save a snapshot
  (``snapshot.save_snapshot``) and return the data with ``attrs["stale"] = False``,
  ``attrs["stale_age_hours"] = 0.0``. On ``SourceError`` use the newest snapshot of the same
  source younger than ``max_snapshot_age_hours`` that covers every district, with
  ``attrs["stale"] = True`` and ``attrs["stale_age_hours"]`` its age [h]; if there is none,
  raise ``SourceError`` naming the failure and the snapshot situation (exit 1).
- ``"snapshot"``: no network; the newest snapshot of any source within the age limit, marked
  stale with its age.

A snapshot is cut to [start, end] and to the requested districts; it may end before ``end``.

``settings`` is the ``[forecast]`` table of the TOML config: each key's default and meaning are in
``heatneed/defaults.toml``, its type and the sources that read it in ``registry``.

``MS_*`` environment variables override meteostat's settings (see ``sources.meteostat``).
"""

from __future__ import annotations

import logging
import math
import threading
from pathlib import Path

import pandas as pd
import xarray as xr

from ..errors import InputError, SourceError
from .base import utc_naive
from .registry import DEFAULT_SOURCE, LIVE_SOURCES, SETTING_TYPES, SOURCE_NAMES
from .snapshot import list_snapshots, save_snapshot, usable_snapshots

log = logging.getLogger(__name__)


def forecast_settings(settings: dict | None) -> dict:
    """Every ``[forecast]`` key: ``settings`` over the defaults of ``defaults.toml``, types checked
    against ``registry.SETTING_TYPES`` (InputError otherwise). Unknown keys are ignored here (the
    config check names them)."""
    from ..config import load_config

    merged = {**load_config().get("forecast", {}), **(settings or {})}
    out = {}
    for key, kind in SETTING_TYPES.items():
        value = merged.get(key)
        if value is None or kind is None:
            out[key] = value
        elif kind is bool and not isinstance(value, bool):
            raise InputError(f"[forecast] {key} must be true or false, not {value!r}")
        else:
            try:
                out[key] = kind(value)
            except (TypeError, ValueError):
                raise InputError(f"[forecast] {key} must be a {kind.__name__}, "
                                 f"not {value!r}") from None
            if kind in (int, float) and out[key] < 0:
                raise InputError(f"[forecast] {key} must not be negative, not {value!r}")
    return out


def make_source(source_name: str, settings: dict, now=None):
    """The live source object for a name, configured from checked ``settings``: the registry's
    class, given the settings it reads (``LiveSource.settings``)."""
    import importlib

    entry = next((s for s in LIVE_SOURCES if s.name == source_name and s.factory), None)
    if entry is None:
        raise InputError(f"unknown forecast source {source_name!r}; expected one of "
                         f"{', '.join(SOURCE_NAMES)}")
    module, cls = entry.factory.split(":")
    factory = getattr(importlib.import_module(f"{__package__}.{module}"), cls)
    keywords = {_ARGUMENT.get(key, key): settings[key] for key in entry.settings}
    if "chunk_size" in keywords:
        keywords["chunk_size"] = max(1, keywords["chunk_size"])
    return factory(**keywords, now=now)


#: [forecast] keys whose keyword argument is named otherwise.
_ARGUMENT = {"open_meteo_url": "url"}


def fetch_forecast(source_name: str | None, districts: pd.DataFrame, start, end,
                   settings: dict | None, snapshot_dir, now=None) -> xr.Dataset:
    """Forecast from a live source, or a recent snapshot when it fails (see module docstring).

    ``start``/``end``/``now`` are UTC (naive = UTC); ``snapshot_dir`` None disables snapshots.
    """
    source_name = source_name or DEFAULT_SOURCE
    checked = forecast_settings(settings)
    now = utc_naive([now if now is not None else pd.Timestamp.now(tz="UTC")])[0]
    start, end = utc_naive([start, end])
    max_age = checked["max_snapshot_age_hours"]
    if source_name == "snapshot":
        return _from_snapshot(None, districts, start, end, snapshot_dir, max_age, now,
                              failure="forecast source 'snapshot' has nothing usable")
    source = make_source(source_name, checked, now=now)
    try:
        if source_name == "meteostat":  # keeps its own deadline (and one fetch at a time)
            ds = source.fetch(districts, start, end)
        else:
            requests = math.ceil(len(districts) / max(1, checked["chunk_size"]))
            ds = _within(checked["deadline_s"] * requests, source_name, lambda: source.fetch(districts, start, end))
    except SourceError as exc:
        return _from_snapshot(source_name, districts, start, end, snapshot_dir, max_age, now,
                              failure=str(exc))
    if snapshot_dir is not None:
        try:
            save_snapshot(ds, snapshot_dir, source_name, now)
        except Exception as exc:  # fresh data stays good; the operator is told
            log.warning("could not save forecast snapshot in %s: %s", snapshot_dir, exc)
    ds.attrs.update(stale=False, stale_age_hours=0.0)
    return ds


def _within(deadline_s: float, source_name: str, fetch):
    """``fetch()`` run in a daemon thread; SourceError if it has not returned after ``deadline_s`` [s].

    ``timeout_s`` bounds each socket operation, not an answer: a server sending a byte now and
    then would otherwise hold the refresh, and its lock, for ever. The abandoned thread ends
    with the process (or when the server gives up).
    """
    box: dict = {}

    def run():
        try:
            box["value"] = fetch()
        except BaseException as exc:  # handed to the caller's thread
            box["error"] = exc

    worker = threading.Thread(target=run, name=f"heatneed-{source_name}", daemon=True)
    worker.start()
    worker.join(deadline_s)
    if worker.is_alive():
        raise SourceError(f"{source_name}: no complete answer within {deadline_s:g} s "
                          "(network or server too slow); gave up")
    if "error" in box:
        raise box["error"]
    return box["value"]


def _from_snapshot(source, districts, start, end, snapshot_dir, max_age, now, failure):
    """The newest snapshot that can serve, marked stale, or SourceError saying why there is none.

    A snapshot that cannot be read, does not cover these districts and this window, or whose
    values fail the forecast checks (``conform``: a damaged file is our own data, not the user's
    input) is skipped with a warning for the next older one.
    """
    where = "no snapshot folder configured"
    if snapshot_dir is not None:
        skipped = []
        for snap in usable_snapshots(snapshot_dir, source, max_age, now):
            ds = _cut(snap.dataset, districts, start, end)
            problem = "does not cover these districts and this time window" if ds is None else _failed_checks(
                ds, districts, snap.path.name)
            if problem:
                log.warning("skipping forecast snapshot %s: %s", snap.path.name, problem)
                skipped.append(f"snapshot {snap.path.name} ({snap.age_hours:.1f} h old) {problem}")
                continue
            log.warning("%s; using the forecast snapshot %s, %.1f h old", failure,
                        snap.path.name, snap.age_hours)
            ds.attrs.update(stale=True, stale_age_hours=float(snap.age_hours),
                            snapshot_file=snap.path.name)
            return ds
        where = _snapshot_situation(snapshot_dir, source, max_age, now, skipped)
    raise SourceError(f"{failure}; {where}")


def _failed_checks(ds: xr.Dataset, districts: pd.DataFrame, name: str) -> str | None:
    """The first problem ``conform`` finds in a snapshot, or None."""
    from .base import conform

    try:
        conform(ds, districts, name)
    except InputError as exc:
        return f"fails the forecast checks ({exc.problems[0]})"
    return None


def _cut(ds: xr.Dataset, districts: pd.DataFrame, start, end) -> xr.Dataset | None:
    """``ds`` for exactly these districts within [start, end], or None if it cannot serve."""
    codes = districts["district_code"].astype(str).tolist()
    if not set(codes) <= set(ds["district"].values.tolist()):
        return None
    cut = ds.sel(district=codes, time=slice(start, end))
    return cut if cut.sizes["time"] else None


def _snapshot_situation(snapshot_dir, source, max_age, now, skipped: list[str]) -> str:
    """One phrase on why no snapshot could stand in (``skipped``: readable ones that could not)."""
    kind = f"{source} " if source else ""
    found = list_snapshots(snapshot_dir, source)
    if not found:
        return f"no {kind}snapshot in {Path(snapshot_dir)}"
    newest_at, newest = found[0]
    age = (now - newest_at) / pd.Timedelta(hours=1)
    if age > max_age:
        return (f"newest {kind}snapshot {newest.name} is {age:.1f} h old "
                f"(limit {max_age:g} h)")
    if skipped:
        return "; ".join(skipped)
    return f"no readable {kind}snapshot younger than {max_age:g} h in {Path(snapshot_dir)}"
