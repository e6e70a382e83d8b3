"""Meteostat 2.x station data with its forecast rows -> canonical Dataset (README: Input files; Scheduled refresh).

For each district centroid: ``ms.stations.nearby`` (stations within ``radius_km``), then
``ms.hourly`` of temperature [°C] and wind speed [km/h] from the bulk hourly files, which carry
observations and, about 7 days ahead, model rows (``*_source`` = ``dwd_mosmix`` or
``metno_forecast``). ``method="interpolate"`` uses ``ms.interpolate`` (nearest station within
5 km, else inverse-distance weighting, per hour); ``method="nearest"`` takes, hour by hour, the
nearest station that has a value. A value is a forecast (``is_forecast``) when its source names
a forecast provider; an hour without data is NaN and counts as forecast from the fetch time on.
Meteostat is deterministic: one member (0). Details and traps:
[Meteostat].

Never hangs, never crashes: meteostat's own network calls get ``timeout_s`` and ``max_retries``;
its bulk CSV reads (urllib, no timeout of their own) run under ``socket.setdefaulttimeout``;
the whole fetch runs in a worker thread abandoned after ``deadline_s``. Every failure becomes
one ``SourceError`` line. Not for concurrent use: one meteostat fetch runs at a time.

Configuration precedence: an operator's ``MS_*`` environment variable (read by meteostat at
import: ``MS_CACHE_DIRECTORY``, ``MS_STATIONS_DB_FILE``, ``MS_HOURLY_ENDPOINT`` mirror,
``MS_NETWORK_TIMEOUT``, ...) always wins; otherwise heatneed sets ``network_timeout``,
``network_max_retries``, ``cache_ttl`` and ``stations_db_ttl`` for the duration of a fetch and
restores them after. meteostat keeps a cached file for max(its own TTL, ``cache_ttl``), 30 days by
default, which would serve month-old forecast rows; with ``cache_ttl`` = 1 h a bulk hourly file
lives 1 day (the provider's own TTL, about as often as the file is republished) and the first
cached read in a process deletes cache files older than 1 h.
A stations database that is due for refresh but cannot be downloaded is used as it is (stations
do not move), so a deployment can be pre-seeded with ``MS_STATIONS_DB_FILE``.

Data: Meteostat (``ATTRIBUTION``; the providers behind each series are in
``ds.attrs["attribution"]``, e.g. "Meteostat, Deutscher Wetterdienst").
"""

from __future__ import annotations

import contextlib
import logging
import os
import socket
import threading

import numpy as np
import pandas as pd
import xarray as xr

from ..errors import InputError, SourceError
from .base import forecast_dataset, iso_utc, utc_naive

ATTRIBUTION = "Meteostat"
FORECAST_PROVIDERS = frozenset({"dwd_mosmix", "metno_forecast"})
METHODS = ("interpolate", "nearest")
MONTH_S = 30 * 24 * 3600


def meteostat_settings(timeout_s: float, max_retries: int, cache_ttl_s: int,
                       environ=None) -> dict:
    """meteostat ``config`` values heatneed sets: all but those an ``MS_*`` variable gives."""
    environ = os.environ if environ is None else environ
    wanted = {"network_timeout": int(max(1, round(timeout_s))),
              "network_max_retries": int(max_retries),
              "cache_ttl": int(cache_ttl_s),
              "stations_db_ttl": MONTH_S}
    return {key: value for key, value in wanted.items() if f"MS_{key.upper()}" not in environ}


def is_forecast_source(source) -> bool:
    """True when a ``*_source`` value names a forecast provider (sources are space-joined)."""
    return isinstance(source, str) and bool(FORECAST_PROVIDERS & set(source.split()))


class MeteostatSource:
    """Live meteostat source. Distances in km, times in s; ``now`` fixes the fetch time."""

    name = "meteostat"

    def __init__(self, *, radius_km: float = 50.0, max_stations: int = 3,
                 method: str = "interpolate", timeout_s: float = 10.0, max_retries: int = 1,
                 cache_ttl_s: int = 3600, deadline_s: float = 25.0, now=None):
        if method not in METHODS:
            raise InputError(f"meteostat method must be one of {METHODS}, not {method!r}")
        if not 1 <= int(max_stations) <= 10:  # meteostat blocks requests for > 10 stations
            raise InputError(f"meteostat max_stations must be 1..10, not {max_stations!r}")
        self.radius_km = float(radius_km)
        self.max_stations = int(max_stations)
        self.method = method
        self.timeout_s = float(timeout_s)
        self.max_retries = int(max_retries)
        self.cache_ttl_s = int(cache_ttl_s)
        self.deadline_s = float(deadline_s)
        self.now = now

    def fetch(self, districts: pd.DataFrame, start, end) -> xr.Dataset:
        """Hourly temperature and wind for ``districts`` over [start, end] UTC."""
        start, end = utc_naive([start, end])
        fetched_at = utc_naive([self.now if self.now is not None
                                else pd.Timestamp.now(tz="UTC")])[0]
        return _with_deadline(lambda: self._fetch(districts, start, end, fetched_at),
                              self.deadline_s)

    def _fetch(self, districts, start, end, fetched_at) -> xr.Dataset:
        import meteostat as ms

        settings = meteostat_settings(self.timeout_s, self.max_retries, self.cache_ttl_s)
        with _meteostat_config(ms.config, settings) as warnings_seen:
            try:
                _open_stations_db(ms)
                nearby = [self._nearby(ms, row) for row in districts.itertuples(index=False)]
                codes = districts["district_code"].astype(str).tolist()
                lonely = [c for c, near in zip(codes, nearby) if near.empty]
                if lonely:
                    raise SourceError(
                        f"meteostat: no weather station within {self.radius_km:g} km of "
                        f"district(s) {', '.join(lonely)}; use --forecast-source open-meteo, "
                        f"a gridded --forecast file, or a larger [forecast] radius_km")
                times = pd.date_range(start.floor("h"), end.floor("h"), freq="h")
                frames = [self._district_frame(ms, near, row, times)
                          for near, row in zip(nearby, districts.itertuples(index=False))]
            except (SourceError, InputError):
                raise
            except Exception as exc:  # meteostat raises bare Exception; never let one escape
                raise SourceError(f"meteostat failed: {_one_line(exc)}") from None
            empty = [c for c, f in zip(codes, frames) if f["temp"].isna().all()]
            if empty:
                why = f" (meteostat: {warnings_seen[-1]})" if warnings_seen else ""
                raise SourceError(f"meteostat returned no hourly data between {iso_utc(times[0])} "
                                  f"and {iso_utc(times[-1])} for district(s) "
                                  f"{', '.join(empty)}{why}")
        return _to_dataset(codes, times, frames, fetched_at)

    def _nearby(self, ms, row) -> pd.DataFrame:
        try:
            point = ms.Point(float(row.lat), float(row.lon))
        except ValueError as exc:
            raise InputError(f"district {row.district_code}: {exc}") from None
        return ms.stations.nearby(point, radius=int(self.radius_km * 1000),
                                  limit=self.max_stations)

    def _district_frame(self, ms, near: pd.DataFrame, row, times) -> pd.DataFrame:
        """Hourly ``temp``, ``wspd`` and ``temp_source`` on ``times`` for one district."""
        stations = [ms.Station(id=str(sid), latitude=float(s.latitude),
                               longitude=float(s.longitude),
                               elevation=None if pd.isna(s.elevation) else int(s.elevation),
                               timezone=s.timezone) for sid, s in near.iterrows()]
        ts = ms.hourly(stations, times[0].to_pydatetime(), times[-1].to_pydatetime(),
                       parameters=[ms.Parameter.TEMP, ms.Parameter.WSPD])
        if self.method == "interpolate":
            df = ms.interpolate(ts, ms.Point(float(row.lat), float(row.lon))).fetch(sources=True)
            if df is not None and "station" in df.index.names:
                df = df.droplevel("station")
        else:
            df = ts.fetch(sources=True)
            if df is not None:
                df = nearest_with_data(df, [str(s) for s in near.index])
        empty = pd.DataFrame({"temp": np.nan, "wspd": np.nan, "temp_source": None}, index=times)
        if df is None or df.empty:
            return empty
        df = df.reindex(times)
        return pd.DataFrame({
            "temp": df["temp"].to_numpy(dtype=float, na_value=np.nan),
            "wspd": (df["wspd"].to_numpy(dtype=float, na_value=np.nan)
                     if "wspd" in df else np.nan),
            "temp_source": df.get("temp_source", pd.Series(None, index=times)).astype(object)
                             .where(df["temp"].notna(), None).to_numpy(),
        }, index=times)


def nearest_with_data(df: pd.DataFrame, stations_by_distance: list[str]) -> pd.DataFrame:
    """Per hour, each parameter from the nearest station that has it (``df`` indexed by
    (station, time) as ``TimeSeries.fetch(sources=True)`` returns for several stations)."""
    if "station" not in df.index.names:
        return df
    out = {}
    for param in ("temp", "wspd"):
        if param not in df:
            continue
        values = df[param].unstack("station").reindex(columns=stations_by_distance)
        sources = df[f"{param}_source"].unstack("station").reindex(columns=stations_by_distance)
        has = values.notna().to_numpy()
        first = has.argmax(axis=1)
        rows = np.arange(len(values))
        picked = values.to_numpy(dtype=float, na_value=np.nan)[rows, first]
        picked_src = sources.to_numpy(dtype=object)[rows, first]
        any_value = has.any(axis=1)
        out[param] = np.where(any_value, picked, np.nan)
        out[f"{param}_source"] = np.where(any_value, picked_src, None)
    return pd.DataFrame(out, index=values.index)


def _to_dataset(codes, times, frames, fetched_at) -> xr.Dataset:
    temp = np.stack([f["temp"].to_numpy(dtype=float) for f in frames])
    wind = np.stack([f["wspd"].to_numpy(dtype=float) for f in frames])
    flagged = np.stack([[is_forecast_source(s) for s in f["temp_source"]] for f in frames])
    future = np.broadcast_to(np.asarray(times >= fetched_at), temp.shape)
    is_forecast = np.where(np.isnan(temp), future, flagged)
    first_forecast = [times[row.argmax()] for row in flagged if row.any()]
    issued_at = min(first_forecast) if first_forecast else times[np.where(~np.isnan(temp))[1].max()]
    ds = forecast_dataset(temp[:, :, None], wind[:, :, None], codes, times, [0],
                          source="meteostat", issued_at=issued_at,
                          is_forecast=is_forecast[:, :, None])
    ds.attrs.update(attribution=ATTRIBUTION, fetched_at=iso_utc(fetched_at))
    return ds


def _open_stations_db(ms) -> None:
    """Download the stations database if due; if that fails, use the copy on disk if any."""
    try:
        ms.stations.connect().close()
    except Exception as exc:
        path = ms.config.stations_db_file
        if not path or not os.path.exists(path):
            raise SourceError(f"meteostat: stations database unavailable ({_one_line(exc)})"
                              ) from None
        logging.getLogger(__name__).warning(
            "meteostat stations database could not be refreshed (%s); using %s as it is",
            _one_line(exc), path)
        ms.config.stations_db_ttl = 100 * 365 * 24 * 3600  # restored by _meteostat_config


@contextlib.contextmanager
def _meteostat_config(config, settings: dict):
    """Apply ``settings`` to meteostat's config, a socket timeout for its urllib CSV reads and a
    collector of its log warnings (shown in our one-line errors, never as tracebacks)."""
    keys = set(settings) | {"stations_db_ttl"}
    saved = {key: getattr(config, key) for key in keys}
    saved_timeout = socket.getdefaulttimeout()
    collector = _WarningCollector()
    ms_log = logging.getLogger("meteostat")
    for key, value in settings.items():
        setattr(config, key, value)
    socket.setdefaulttimeout(float(config.network_timeout))
    ms_log.addHandler(collector)
    try:
        yield collector.messages
    finally:
        ms_log.removeHandler(collector)
        socket.setdefaulttimeout(saved_timeout)
        for key, value in saved.items():
            setattr(config, key, value)


class _WarningCollector(logging.Handler):
    def __init__(self):
        super().__init__(logging.WARNING)
        self.messages: list[str] = []

    def emit(self, record: logging.LogRecord) -> None:
        message = record.getMessage()
        if record.exc_info and record.exc_info[1] is not None:
            message += f": {_one_line(record.exc_info[1])}"
        self.messages.append(message)


def _one_line(exc: BaseException) -> str:
    text = " ".join(str(exc).split()) or type(exc).__name__
    return text if len(text) <= 200 else text[:197] + "..."


_FETCH_LOCK = threading.Lock()


def _with_deadline(func, deadline_s: float):
    """Run ``func`` in a daemon thread; give up with SourceError after ``deadline_s`` [s]."""
    box: dict = {}

    def run():
        if not _FETCH_LOCK.acquire(timeout=deadline_s):
            box["error"] = SourceError("meteostat: an earlier fetch is still running")
            return
        try:
            box["value"] = func()
        except BaseException as exc:  # handed to the caller's thread
            box["error"] = exc
        finally:
            _FETCH_LOCK.release()

    worker = threading.Thread(target=run, name="heatneed-meteostat", daemon=True)
    worker.start()
    worker.join(deadline_s)
    if worker.is_alive():
        raise SourceError(f"meteostat: no complete answer within {deadline_s:g} s "
                          "(network slow or unreachable); gave up")
    if "error" in box:
        raise box["error"]
    return box["value"]
