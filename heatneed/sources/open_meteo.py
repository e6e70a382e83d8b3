"""Open-Meteo forecast and ensemble JSON -> canonical (district, time, member) Dataset.

Format ([OpenMeteo]): one object per location, or a list of
them when several comma-separated coordinates were requested. Each object has the grid-cell
``latitude``/``longitude`` the API snapped to, ``utc_offset_seconds``, ``hourly_units`` and
``hourly`` with ``time`` (ISO 8601 local time, UTC when the offset is 0, or unix seconds) and
the series ``temperature_2m`` [°C] and ``wind_speed_10m`` [km/h]. The ensemble API adds
``temperature_2m_member01`` ... ``_memberNN`` (the bare name is the control, member 0).
``null`` values become NaN.

Live use: ``OpenMeteoSource`` sends one GET per chunk of districts (comma-separated
coordinates, ``timezone=GMT``, ``wind_speed_unit=kmh``) to the forecast endpoint or, with
``ensemble=True``, to the ensemble endpoint. Free use is non-commercial and limited (fewer than
10 000 calls a day; each location costs at least one call, an ensemble location many).

Data: Open-Meteo, CC BY 4.0 (``ATTRIBUTION``).
"""

from __future__ import annotations

import json
import re
import time as _time
from pathlib import Path

import numpy as np
import pandas as pd
import requests
import xarray as xr

from ..errors import InputError, SourceError, located, shorten
from .base import forecast_dataset, iso_utc, utc_naive

ATTRIBUTION = "Open-Meteo (CC BY 4.0)"
FORECAST_URL = "https://api.open-meteo.com/v1/forecast"
ENSEMBLE_URL = "https://ensemble-api.open-meteo.com/v1/ensemble"
TEMP, WIND = "temperature_2m", "wind_speed_10m"
UNITS = {TEMP: "°C", WIND: "km/h"}
MAX_DISTANCE_KM = 50.0  # Open-Meteo snaps to grid cells of up to ~0.5° (≈ 35 km at 50°N)
EARTH_RADIUS_KM = 6371.0


def read_open_meteo_file(path, districts: pd.DataFrame, name: str | None = None,
                         max_distance_km: float = MAX_DISTANCE_KM) -> xr.Dataset:
    """Read a saved Open-Meteo JSON response (forecast or ensemble) for ``districts``."""
    path = Path(path)
    name = name or path.name
    from ..limits import read_input_bytes

    data = read_input_bytes(path, name)
    try:
        payload = json.loads(data.decode("utf-8-sig"))
    except (UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise InputError(located(name, f"not readable as Open-Meteo JSON ({shorten(str(exc))})")) from None
    except RecursionError:
        raise InputError(located(name, "not readable as Open-Meteo JSON (nested too deeply)")) from None
    ds = parse_open_meteo(payload, districts, name, max_distance_km=max_distance_km)
    ds.attrs["source_file"] = name
    return ds


def parse_open_meteo(payload, districts: pd.DataFrame, name: str, *,
                     max_distance_km: float = MAX_DISTANCE_KM, by_order: bool = False,
                     issued_at=None) -> xr.Dataset:
    """Open-Meteo JSON (dict or list of dicts) -> Dataset for ``districts``.

    Each district takes the location nearest to its centroid (great-circle distance); a district
    with no location within ``max_distance_km`` [km] is refused. ``by_order=True`` pairs
    location i with district i instead (a live response answers the coordinates in the order
    sent) and still checks the distance. Unit or time-zone mismatches raise ``InputError``.
    """
    items = payload if isinstance(payload, list) else [payload]
    if not items or not all(isinstance(i, dict) for i in items):
        raise InputError(located(name, "expected an Open-Meteo JSON object or a list of them"))
    if any(i.get("error") for i in items):
        reason = next(i.get("reason", "no reason given") for i in items if i.get("error"))
        raise InputError(located(name, f"Open-Meteo answered with an error: {reason}"))
    series = [_location_series(item, name, k) for k, item in enumerate(items)]
    times = utc_naive(sorted(set().union(*(s.index for s in series))))
    members = sorted(set().union(*(s.columns.get_level_values("member") for s in series)))
    chosen = _match_locations(items, districts, name, max_distance_km, by_order)
    temp = np.full((len(districts), len(times), len(members)), np.nan)
    wind = np.full_like(temp, np.nan)
    for d, k in enumerate(chosen):
        frame = series[k].reindex(index=times)
        for m_idx, m in enumerate(members):
            if (TEMP, m) in frame.columns:
                temp[d, :, m_idx] = frame[(TEMP, m)].to_numpy(dtype=float)
            if (WIND, m) in frame.columns:
                wind[d, :, m_idx] = frame[(WIND, m)].to_numpy(dtype=float)
    ds = forecast_dataset(temp, wind, districts["district_code"].astype(str), times, members,
                          source="open-meteo", issued_at=issued_at)
    ds.attrs["attribution"] = ATTRIBUTION
    return ds


def _location_series(item: dict, file: str, k: int) -> pd.DataFrame:
    """One location -> DataFrame indexed by UTC time, columns (variable, member)."""
    where = f"location {k + 1}"
    offset = item.get("utc_offset_seconds", 0)
    if not _is_number(offset):
        raise InputError(located(file, f"{where}: utc_offset_seconds must be a number (got "
                                       f"{shorten(json.dumps(offset))})"))
    if offset != 0:
        raise InputError(located(file, f"{where}: times are in {item.get('timezone', '?')} "
                                       f"(utc_offset_seconds={offset}); request timezone=GMT"))
    hourly, units = item.get("hourly"), item.get("hourly_units")
    if not isinstance(hourly, dict) or "time" not in hourly:
        raise InputError(located(file, f"{where}: no 'hourly' block with 'time'"))
    if not isinstance(units, dict):
        raise InputError(located(file, f"{where}: no 'hourly_units'; cannot check units"))
    columns = {}
    for key, values in hourly.items():
        parsed = _KEY.match(key)
        if parsed is None:
            continue
        if parsed.group(3):
            raise InputError(located(file, f"{where}: series {key!r} carries a model suffix; "
                                           "request one model at a time"))
        variable, member = parsed.group(1), int(parsed.group(2) or 0)
        unit = units.get(key)
        if unit != UNITS[variable]:
            raise InputError(located(file, f"{where}: {key} is in {unit!r}, expected "
                                           f"{UNITS[variable]!r} (request the metric units)"))
        if not isinstance(values, list) or not isinstance(hourly["time"], list):
            raise InputError(located(file, f"{where}: hourly {key} and time must be lists"))
        typed = [v is None or _is_number(v) for v in values]
        if not all(typed):
            bad = values[typed.index(False)]
            raise InputError(located(file, f"{where}: hourly {key}[{typed.index(False)}] must be a number or null "
                                           f"(got {shorten(json.dumps(bad))})"))
        if len(values) != len(hourly["time"]):
            raise InputError(located(file, f"{where}: {key} has {len(values)} values for "
                                           f"{len(hourly['time'])} times"))
        if (variable, member) in columns:
            raise InputError(located(file, f"{where}: series {key!r} given twice"))
        columns[(variable, member)] = [np.nan if v is None else float(v) for v in values]
    if not any(var == TEMP for var, _ in columns):
        raise InputError(located(file, f"{where}: no {TEMP} series in 'hourly'"))
    raw_times = hourly["time"]
    unix = units.get("time") == "unixtime"
    if not isinstance(raw_times, list):
        raise InputError(located(file, f"{where}: hourly time must be a list"))
    for i, t in enumerate(raw_times):
        if not (_is_number(t) if unix else isinstance(t, str)):
            raise InputError(located(file, f"{where}: hourly time[{i}] must be "
                                           f"{'unix seconds' if unix else 'an ISO 8601 text'} (got "
                                           f"{shorten(json.dumps(t))})"))
    try:
        times = pd.to_datetime(raw_times, unit="s") if unix else pd.to_datetime(raw_times, format="ISO8601")
        index = utc_naive(times)
        if len(index) and (index.min() < pd.Timestamp.min or index.max() > pd.Timestamp.max):
            raise ValueError("dates must lie between 1678 and 2261")
        index = index.as_unit("ns")
    except (ValueError, TypeError, OverflowError) as exc:  # text, or out of 1678..2262
        raise InputError(located(file, f"{where}: hourly time is not ISO 8601 dates in range "
                                       f"({shorten(str(exc).splitlines()[0] if str(exc) else type(exc).__name__)})")
                         ) from None
    if index.has_duplicates:
        raise InputError(located(file, f"{where}: time {iso_utc(index[index.duplicated()][0])} appears more "
                                       "than once; each time must appear once"))
    frame = pd.DataFrame(columns, index=index)
    frame.columns = pd.MultiIndex.from_tuples(frame.columns, names=["variable", "member"])
    return frame


# temperature_2m | temperature_2m_member07 | ..._icon_seamless (model suffix: several models)
_KEY = re.compile(rf"^({TEMP}|{WIND})(?:_member(\d+))?(_.+)?$")


def _is_number(value) -> bool:
    """A JSON number (``true`` is not 1 and ``"-5"`` is not −5), finite."""
    return isinstance(value, (int, float)) and not isinstance(value, bool) and np.isfinite(value)


def _match_locations(items, districts, file, max_distance_km, by_order) -> list[int]:
    """Index of the location chosen for each district."""
    for k, item in enumerate(items):
        for key, limit in (("latitude", 90.0), ("longitude", 360.0)):
            value = item.get(key)
            if not _is_number(value) or abs(value) > limit:
                raise InputError(located(file, f"location {k + 1}: {key} must be a number within ±{limit:g} "
                                               f"(got {shorten(json.dumps(value))})"))
    loc_lat = np.array([float(i.get("latitude", np.nan)) for i in items])
    loc_lon = np.array([float(i.get("longitude", np.nan)) for i in items])
    lat = np.asarray(districts["lat"], dtype=float)
    lon = np.asarray(districts["lon"], dtype=float)
    dist = great_circle_km(lat[:, None], lon[:, None], loc_lat[None, :], loc_lon[None, :])
    if by_order:
        if len(items) != len(districts):
            raise InputError(located(file, f"{len(items)} locations answered for "
                                           f"{len(districts)} districts"))
        chosen = np.arange(len(items))
    else:
        chosen = np.nanargmin(np.where(np.isnan(dist), np.inf, dist), axis=1)
    far = ~(dist[np.arange(len(districts)), chosen] <= max_distance_km)  # NaN counts as far
    if far.any():
        codes = districts["district_code"].astype(str).to_numpy()[far]
        raise InputError(located(file, f"no location within {max_distance_km:g} km of "
                                       f"district(s) {', '.join(codes)}"))
    return chosen.tolist()


def great_circle_km(lat1, lon1, lat2, lon2):
    """Haversine distance [km] on a sphere of radius 6371 km (arrays broadcast)."""
    p1, p2 = np.radians(lat1), np.radians(lat2)
    a = (np.sin((p2 - p1) / 2) ** 2
         + np.cos(p1) * np.cos(p2) * np.sin(np.radians(lon2 - lon1) / 2) ** 2)
    return 2 * EARTH_RADIUS_KM * np.arcsin(np.sqrt(np.clip(a, 0, 1)))


class OpenMeteoSource:
    """Live Open-Meteo forecast (or ensemble) over HTTP.

    ``timeout_s`` [s] per request, ``max_retries`` extra attempts on connection errors and
    5xx answers (1 s pause), ``chunk_size`` districts per request. ``session`` is anything with
    ``get(url, params=..., timeout=...)`` (a ``requests.Session`` by default; a fake in tests).
    """

    name = "open-meteo"

    def __init__(self, *, ensemble: bool = False, models=None, url: str | None = None,
                 timeout_s: float = 10.0, max_retries: int = 1, chunk_size: int = 50,
                 max_distance_km: float = MAX_DISTANCE_KM, session=None, now=None):
        self.ensemble = ensemble
        self.models = ",".join(models) if isinstance(models, (list, tuple)) else models
        self.url = url or (ENSEMBLE_URL if ensemble else FORECAST_URL)
        self.timeout_s = timeout_s
        self.max_retries = max_retries
        self.chunk_size = chunk_size
        self.max_distance_km = max_distance_km
        self.session = session or requests.Session()
        self.now = now

    def fetch(self, districts: pd.DataFrame, start, end) -> xr.Dataset:
        """Forecast for ``districts`` over [start, end] UTC (hourly)."""
        start, end = utc_naive([start, end])
        fetched_at = utc_naive([self.now or pd.Timestamp.now(tz="UTC")])[0]
        parts = []
        for first in range(0, len(districts), self.chunk_size):
            chunk = districts.iloc[first:first + self.chunk_size]
            payload = self._get(self._params(chunk, start, end))
            try:
                parts.append(parse_open_meteo(payload, chunk, f"Open-Meteo {self.url}",
                                              max_distance_km=self.max_distance_km,
                                              by_order=True, issued_at=fetched_at))
            except InputError as exc:  # a malformed answer is the source's failure, not ours
                raise SourceError(f"open-meteo: unusable answer: {exc}") from None
        ds = xr.concat(parts, "district") if len(parts) > 1 else parts[0]
        ds.attrs.update(source="open-meteo", attribution=ATTRIBUTION,
                        issued_at=iso_utc(fetched_at), fetched_at=iso_utc(fetched_at))
        return ds

    def _params(self, chunk: pd.DataFrame, start, end) -> dict:
        params = {
            "latitude": ",".join(f"{v:.4f}" for v in chunk["lat"]),
            "longitude": ",".join(f"{v:.4f}" for v in chunk["lon"]),
            "hourly": f"{TEMP},{WIND}",
            "start_hour": start.strftime("%Y-%m-%dT%H:%M"),
            "end_hour": end.strftime("%Y-%m-%dT%H:%M"),
            "timezone": "GMT", "temperature_unit": "celsius", "wind_speed_unit": "kmh",
            "timeformat": "iso8601",
        }
        if self.models:
            params["models"] = self.models
        return params

    def _get(self, params: dict):
        last = "no attempt made"
        for attempt in range(max(0, int(self.max_retries)) + 1):
            if attempt:
                _time.sleep(1.0)
            try:
                response = self.session.get(self.url, params=params, timeout=self.timeout_s)
            except requests.RequestException as exc:
                last = network_reason(exc)
                continue
            except OSError as exc:
                last = f"network error: {exc}"
                continue
            status = response.status_code
            if status >= 500:
                last = f"HTTP {status}"
                continue
            if status != 200:
                raise SourceError(f"open-meteo: HTTP {status}: {_reason(response)}")
            try:
                return response.json()
            except ValueError:
                raise SourceError("open-meteo: answer is not JSON") from None
        raise SourceError(f"open-meteo: no answer from {self.url} ({last})")


def network_reason(exc: Exception) -> str:
    """``ConnectionError: Failed to resolve 'host' (...)``: the cause without pool and URL."""
    cause = getattr(exc.args[0], "reason", None) if exc.args else None
    text = re.sub(r"^\w*Connection(Pool)?\([^)]*\):\s*", "", str(cause or exc))
    return f"{type(exc).__name__}: {' '.join(text.split())}"


def _reason(response) -> str:
    """The ``reason`` of an Open-Meteo error body (400/429), else the status text."""
    try:
        body = response.json()
        return str(body.get("reason", body)) if isinstance(body, dict) else str(body)
    except ValueError:
        return getattr(response, "reason", "") or "error"
