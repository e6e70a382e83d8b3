"""Write the real-format forecast-source fixtures under tests/sources/fixtures/.

Run once (``python tools/make_source_fixtures.py``) and commit the outputs. The values are
synthetic cold-weather cases; only the formats are real:

- ``meteostat/hourly/2026/<station>.csv.gz`` and ``meteostat/stations.db``: the Meteostat bulk
  hourly CSV layout and stations database schema ([Meteostat] in docs/references.md);
- ``open_meteo/*.json``: Open-Meteo forecast and ensemble API responses (§3.1, §3.2);
- ``gridded/ensemble_global.nc``: a NetCDF ensemble grid with descending latitude and
  0..360 longitudes; ``gridded/ensemble_kyiv.grib2``: a GRIB2 ensemble written with eccodes
  (the ECMWF open-data layout: ``2t``/``10u``/``10v``, perturbed members, steps in hours).
"""

from __future__ import annotations

import gzip
import json
import sqlite3
from pathlib import Path

import numpy as np
import pandas as pd

FIX = Path(__file__).resolve().parents[1] / "tests" / "sources" / "fixtures"

# --- Meteostat -------------------------------------------------------------------------------

HOURLY_HEADER = ("year,month,day,hour,temp,temp_source,rhum,rhum_source,prcp,prcp_source,"
                 "wdir,wdir_source,wspd,wspd_source,pres,pres_source,cldc,cldc_source,"
                 "coco,coco_source")
HOURS = pd.date_range("2026-01-10 00:00", "2026-01-16 23:00", freq="h")


def station_temp_c(base_c: float, t: pd.Timestamp) -> float:
    """Synthetic diurnal cycle: warmest at 14 UTC, 8 K colder at 02 UTC."""
    return round(base_c - 8 * abs((t.hour - 14) / 12), 1)


def hourly_csv(base_c: float, wind_kmh: float, forecast_from: str, forecast_source: str,
               missing_rows=(), empty_temp=()) -> bytes:
    """One station-year bulk file: observations (metar) then model rows (``forecast_source``)."""
    rows = [HOURLY_HEADER]
    for t in HOURS:
        if t in missing_rows:
            continue
        src = "metar" if t < pd.Timestamp(forecast_from) else forecast_source
        temp = "" if t in empty_temp else f"{station_temp_c(base_c, t):.1f}"
        temp_src = "" if t in empty_temp else src
        rows.append(f"{t.year},{t.month},{t.day},{t.hour},{temp},{temp_src},85,{src},0.0,{src},"
                    f"270,{src},{wind_kmh:.1f},{src},1021.3,{src},8,{src},15,{src}")
    return gzip.compress(("\n".join(rows) + "\n").encode(), mtime=0)


STATIONS = [  # id, name, country, region, lat, lon, elevation, timezone
    ("33345", "Kyiv", "UA", "UA-30", 50.4000, 30.5667, 167, "Europe/Kyiv"),
    ("33347", "Boryspil", "UA", "UA-32", 50.3333, 30.9000, 130, "Europe/Kyiv"),
    # in the database but without any hourly file: meteostat returns nothing for it
    ("33658", "Chernivtsi", "UA", "UA-77", 48.2667, 25.9667, 246, "Europe/Kyiv"),
]


def write_meteostat() -> None:
    hourly = FIX / "meteostat" / "hourly" / "2026"
    hourly.mkdir(parents=True, exist_ok=True)
    (hourly / "33345.csv.gz").write_bytes(
        hourly_csv(-18.0, 14.4, "2026-01-13 12:00", "dwd_mosmix"))
    # Boryspil: six hours missing entirely and three hours with an empty temperature field
    missing = pd.date_range("2026-01-13 00:00", "2026-01-13 05:00", freq="h")
    empty = pd.date_range("2026-01-14 06:00", "2026-01-14 08:00", freq="h")
    (hourly / "33347.csv.gz").write_bytes(
        hourly_csv(-22.0, 21.6, "2026-01-13 12:00", "metno_forecast", missing, empty))

    db = FIX / "meteostat" / "stations.db"
    db.unlink(missing_ok=True)
    con = sqlite3.connect(db)
    con.executescript("""
        CREATE TABLE stations (id TEXT PRIMARY KEY, country TEXT, region TEXT, latitude REAL,
                               longitude REAL, elevation INTEGER, timezone TEXT);
        CREATE TABLE names (station TEXT, language TEXT, name TEXT);
        CREATE TABLE identifiers (station TEXT, key TEXT, value TEXT);
        CREATE TABLE inventory (station TEXT, provider TEXT, parameter TEXT, start TEXT,
                                end TEXT, completeness REAL);
    """)
    con.executemany("INSERT INTO stations VALUES (?,?,?,?,?,?,?)",
                    [(s[0], *s[2:]) for s in STATIONS])
    con.executemany("INSERT INTO names VALUES (?,?,?)", [(s[0], "en", s[1]) for s in STATIONS])
    con.executemany("INSERT INTO identifiers VALUES (?,?,?)",
                    [(s[0], "wmo", s[0]) for s in STATIONS])
    con.commit()
    con.close()


# --- Open-Meteo ------------------------------------------------------------------------------

OM_TIMES = [f"2026-01-13T{h:02d}:00" for h in range(6)]


def om_location(lat, lon, hourly: dict, units: dict | None = None, offset: int = 0) -> dict:
    """One location object as the API returns it (grid-snapped coordinates)."""
    keys = [k for k in hourly if k != "time"]
    default_units = {k: ("°C" if k.startswith("temperature") else "km/h") for k in keys}
    return {
        "latitude": lat, "longitude": lon, "generationtime_ms": 0.61, "utc_offset_seconds": offset,
        "timezone": "GMT" if offset == 0 else "Europe/Kyiv",
        "timezone_abbreviation": "GMT" if offset == 0 else "EET", "elevation": 168.0,
        "hourly_units": {"time": "iso8601", **default_units, **(units or {})},
        "hourly": {"time": OM_TIMES, **hourly},
    }


def write_open_meteo() -> None:
    out = FIX / "open_meteo"
    out.mkdir(parents=True, exist_ok=True)
    kyiv = {"temperature_2m": [-12.1, -12.6, -13.0, -13.4, -13.9, -14.2],
            "wind_speed_10m": [14.8, 15.1, 16.0, 17.3, 18.0, 18.4]}
    kharkiv = {"temperature_2m": [-17.5, -18.0, None, -18.9, -19.2, -19.6],
               "wind_speed_10m": [22.0, 23.4, None, 24.1, 25.0, 25.2]}
    odesa = {"temperature_2m": [-3.0, -3.2, -3.5, -3.9, -4.1, -4.4],
             "wind_speed_10m": [30.2, 31.0, 31.8, 32.5, 33.1, 34.0]}
    dump = lambda name, obj: (out / name).write_text(json.dumps(obj, ensure_ascii=False, indent=1),
                                                     encoding="utf-8")
    dump("forecast_one.json", om_location(50.45, 30.525, kyiv))
    dump("forecast_list.json", [om_location(50.45, 30.525, kyiv),
                                om_location(49.9925, 36.225, kharkiv),
                                om_location(46.475, 30.725, odesa)])
    members = {"temperature_2m": [-12.0, -12.5, -13.0, -13.5, -14.0, -14.5],
               "temperature_2m_member01": [-11.0, -11.5, None, -12.5, -13.0, -13.5],
               "temperature_2m_member02": [-14.0, -14.5, -15.0, -15.5, -16.0, -16.5],
               "wind_speed_10m": [10.0, 11.0, 12.0, 13.0, 14.0, 15.0],
               "wind_speed_10m_member01": [9.0, 9.5, 10.0, 10.5, 11.0, 11.5],
               "wind_speed_10m_member02": [12.0, 12.5, 13.0, 13.5, 14.0, 14.5]}
    shifted = {k: [None if v is None else round(v - 5.0, 1) for v in vals] if k.startswith("temp")
               else vals for k, vals in members.items()}
    dump("ensemble_list.json", [om_location(50.5, 30.5, members),
                                om_location(50.0, 36.25, shifted)])
    dump("forecast_fahrenheit.json", om_location(50.45, 30.525, kyiv,
                                                 units={"temperature_2m": "°F"}))
    dump("forecast_wind_ms.json", om_location(50.45, 30.525, kyiv,
                                              units={"wind_speed_10m": "m/s"}))
    dump("forecast_kyiv_time.json", om_location(50.45, 30.525, kyiv, offset=7200))


# --- Gridded ---------------------------------------------------------------------------------

def global_t2m_k(number: int, hour: int, lat: np.ndarray, lon: np.ndarray) -> np.ndarray:
    """A smooth but non-bilinear field [K] so nearest and bilinear samples differ."""
    la, lo = np.meshgrid(lat, lon, indexing="ij")
    return (250.0 + 30.0 * np.cos(np.radians(la)) + 4.0 * np.sin(np.radians(2 * lo))
            + 0.02 * (la / 10.0) ** 3 - 1.5 * number - 0.5 * hour)


def write_netcdf() -> None:
    import xarray as xr

    out = FIX / "gridded"
    out.mkdir(parents=True, exist_ok=True)
    lat = np.arange(90.0, -90.1, -10.0)          # descending, as NWP grids are
    lon = np.arange(0.0, 360.0, 10.0)            # 0..350: the 0..360 convention
    numbers = np.array([0, 1, 2])
    times = pd.date_range("2026-01-13 00:00", periods=3, freq="6h")
    t2m = np.stack([np.stack([global_t2m_k(n, t.hour, lat, lon) for t in times])
                    for n in numbers])
    u10 = np.broadcast_to((3.0 + numbers)[:, None, None, None], t2m.shape)
    v10 = np.full(t2m.shape, 4.0)
    ds = xr.Dataset(
        {"t2m": (("number", "time", "latitude", "longitude"), t2m.astype("float32"),
                 {"units": "K", "long_name": "2 metre temperature"}),
         "u10": (("number", "time", "latitude", "longitude"), u10.astype("float32"),
                 {"units": "m s**-1"}),
         "v10": (("number", "time", "latitude", "longitude"), v10.astype("float32"),
                 {"units": "m s**-1"})},
        coords={"number": numbers, "time": times,
                "latitude": ("latitude", lat, {"units": "degrees_north"}),
                "longitude": ("longitude", lon, {"units": "degrees_east"}),
                "forecast_reference_time": pd.Timestamp("2026-01-12 18:00")},
        attrs={"institution": "synthetic test grid (ECMWF-like layout)"},
    )
    enc = {v: {"zlib": True, "complevel": 4} for v in ("t2m", "u10", "v10")}
    ds.to_netcdf(out / "ensemble_global.nc", engine="netcdf4", encoding=enc)


# Kyiv grid at 0.25°: latitudes 51.0 -> 50.0 (descending, GRIB scan order), longitudes 30..31
GRIB_LATS = [51.0, 50.75, 50.5, 50.25, 50.0]
GRIB_LONS = [30.0, 30.25, 30.5, 30.75, 31.0]
GRIB_BASE_K = np.array([  # [lat, lon], K
    [255.0, 255.4, 255.9, 256.1, 256.6],
    [256.2, 256.0, 257.3, 257.0, 257.9],
    [257.1, 257.8, 258.2, 259.0, 258.7],
    [258.4, 258.1, 259.6, 260.3, 260.0],
    [259.0, 259.9, 260.4, 261.2, 261.8],
])


def write_grib() -> None:
    import eccodes

    out = FIX / "gridded"
    out.mkdir(parents=True, exist_ok=True)
    path = out / "ensemble_kyiv.grib2"
    with open(path, "wb") as fh:
        for number in (1, 2):
            for step in (0, 6):
                for short_name, values in (("2t", GRIB_BASE_K - 2.0 * number - 0.25 * step),
                                           ("10u", np.full((5, 5), 2.0 * number)),
                                           ("10v", np.full((5, 5), 1.5))):
                    gid = eccodes.codes_grib_new_from_samples("regular_ll_sfc_grib2")
                    for key, val in [
                        ("centre", "ecmf"), ("dataDate", 20260113), ("dataTime", 0),
                        ("productDefinitionTemplateNumber", 1),
                        ("typeOfGeneratingProcess", 4), ("typeOfEnsembleForecast", 3),
                        ("numberOfForecastsInEnsemble", 50), ("perturbationNumber", number),
                        ("shortName", short_name),
                        ("typeOfFirstFixedSurface", 103),
                        ("scaledValueOfFirstFixedSurface", 2 if short_name == "2t" else 10),
                        ("scaleFactorOfFirstFixedSurface", 0),
                        ("stepUnits", 1), ("forecastTime", step),
                        ("Ni", 5), ("Nj", 5), ("iScansNegatively", 0), ("jScansPositively", 0),
                        ("latitudeOfFirstGridPointInDegrees", GRIB_LATS[0]),
                        ("longitudeOfFirstGridPointInDegrees", GRIB_LONS[0]),
                        ("latitudeOfLastGridPointInDegrees", GRIB_LATS[-1]),
                        ("longitudeOfLastGridPointInDegrees", GRIB_LONS[-1]),
                        ("iDirectionIncrementInDegrees", 0.25),
                        ("jDirectionIncrementInDegrees", 0.25),
                        ("bitsPerValue", 24),
                    ]:
                        eccodes.codes_set(gid, key, val)
                    eccodes.codes_set_values(gid, np.asarray(values, dtype=float).ravel())
                    eccodes.codes_write(gid, fh)
                    eccodes.codes_release(gid)


if __name__ == "__main__":
    write_meteostat()
    write_open_meteo()
    write_netcdf()
    write_grib()
    print(f"fixtures written under {FIX}")
