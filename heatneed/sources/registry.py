"""The one registry of forecast sources: file formats and live sources.

Every list of source names, file suffixes and source settings is derived from here: the CLI's
choices and help, the refresh job's config check, ``validate``'s file recognition, the scenario
folder's forecast names and the app's upload types. Defaults of the settings live only in
``heatneed/defaults.toml`` (``[forecast]``); here each key has its type and meaning.

Adding a live source: one module with a class that has ``fetch(districts, start, end)``, and one
``LiveSource`` entry below (its settings' defaults in ``defaults.toml``). Adding a file format: a
reader module and one ``FileFormat`` entry.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class FileFormat:
    """A forecast file format: the suffixes it is recognised by, and how it is read."""

    name: str
    suffixes: tuple[str, ...]
    reader: str  # "tidy" (a table), "open-meteo" (JSON), "grib" (gridded), "netcdf" (tidy or gridded)
    description: str


@dataclass(frozen=True)
class LiveSource:
    """A forecast fetched over the network (or from heatneed's own snapshots)."""

    name: str
    factory: str | None  # "module:Class" under heatneed.sources; None = snapshots only
    settings: tuple[str, ...]  # the [forecast] keys its class takes as keyword arguments
    description: str


#: Formats of every input table (districts, unheated, outages, warming sites, readings, district
#: queues, CSV schedules, tidy forecasts), all read by ``heatneed.inputs.read_table``.
TABLE_FORMATS = (
    FileFormat("CSV", (".csv", ".txt"), "tidy", "comma, semicolon or tab separated; UTF-8, UTF-16 or Windows-1251"),
    FileFormat("Excel workbook", (".xlsx", ".xls", ".ods"), "tidy",
               "the first visible sheet, header in row 1 (heatneed.sheets)"),
    FileFormat("Parquet", (".parquet",), "tidy", "columns named as in the CSV"),
)
#: Every suffix an input table may have, in registry order (the app's upload types derive from it).
TABLE_SUFFIXES = tuple(suffix for f in TABLE_FORMATS for suffix in f.suffixes)

FILE_FORMATS = (
    FileFormat("tidy table", TABLE_SUFFIXES, "tidy",
               "district_code, time (UTC), temp_c[, wind_kmh, member]"),
    FileFormat("Open-Meteo JSON", (".json",), "open-meteo", "a saved Open-Meteo forecast or ensemble response"),
    FileFormat("GRIB", (".grib", ".grib2", ".grb", ".grb2"), "grib", "t2m [K], u10/v10 [m/s] on a lat/lon grid"),
    FileFormat("NetCDF", (".nc", ".nc4", ".netcdf", ".cdf"), "netcdf",
               "tidy (dims district, time[, member]) or gridded like GRIB"),
)

#: [forecast] keys that ``live.fetch_forecast`` applies to every source (snapshot age, whole-fetch deadline).
COMMON_SETTINGS = ("max_snapshot_age_hours", "deadline_s")
#: Type of every [forecast] key (``None``: any TOML value, e.g. a name or a list of names).
SETTING_TYPES: dict[str, type | None] = {
    "max_snapshot_age_hours": float, "timeout_s": float, "max_retries": int, "deadline_s": float,
    "radius_km": float, "max_stations": int, "method": str, "cache_ttl_s": int,
    "ensemble": bool, "models": None, "open_meteo_url": str, "chunk_size": int, "max_distance_km": float,
}

LIVE_SOURCES = (
    LiveSource("meteostat", "meteostat:MeteostatSource",
               ("timeout_s", "max_retries", "deadline_s", "radius_km", "max_stations", "method", "cache_ttl_s"),
               "hourly station observations and station forecasts near each centroid"),
    LiveSource("open-meteo", "open_meteo:OpenMeteoSource",
               ("timeout_s", "max_retries", "ensemble", "models", "open_meteo_url", "chunk_size", "max_distance_km"),
               "model forecasts (ensemble members with ensemble = true)"),
    LiveSource("snapshot", None, (),
               "the newest of heatneed's own snapshots (no network)"),
)

#: ``--forecast-source`` names, in the order they are offered; the first is the refresh default.
SOURCE_NAMES = tuple(s.name for s in LIVE_SOURCES)
DEFAULT_SOURCE = SOURCE_NAMES[0]
#: Every suffix a forecast file may have, in registry order.
FORECAST_SUFFIXES = tuple(suffix for f in FILE_FORMATS for suffix in f.suffixes)
#: Forecast file names looked for in a scenario folder (``--scenario DIR``), in this order.
SCENARIO_FORECAST_NAMES = tuple(f"forecast{suffix}" for suffix in FORECAST_SUFFIXES if suffix != ".txt")


def scenario_names(role: str) -> tuple[str, ...]:
    """File names an input table of ``role`` may have in a scenario folder (``districts.csv``, ``districts.xlsx``…)."""
    return tuple(f"{role}{suffix}" for suffix in TABLE_SUFFIXES if suffix != ".txt")


def live_source(name: str) -> LiveSource:
    return next(s for s in LIVE_SOURCES if s.name == name)


def file_format(suffix: str) -> FileFormat | None:
    """The format a file suffix (any case, with the dot) belongs to, or None."""
    suffix = suffix.lower()
    return next((f for f in FILE_FORMATS if suffix in f.suffixes), None)


def formats_text() -> str:
    """One phrase listing the formats, for help texts and error messages."""
    return "; ".join(f"{f.name} ({'/'.join(f.suffixes)})" for f in FILE_FORMATS)


def tables_text() -> str:
    """One phrase listing the input table formats, e.g. for ``--unheated``'s help."""
    return ", ".join(f"{f.name} ({'/'.join(f.suffixes)})" for f in TABLE_FORMATS)
