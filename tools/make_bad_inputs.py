"""Write the hostile-input corpus under tests/hardening/corpus/ (run once; outputs are committed).

Each file is one way real input goes wrong (Excel exports, hand-typed sheets, wrong units, damaged
downloads). ``EXPECTED.csv`` lists, per file: the flag it is given to (districts, unheated,
outages, forecast, warming_sites → --warming-sites), ``ok`` or ``error``, and a fragment the message must contain.

    python tools/make_bad_inputs.py
"""

from __future__ import annotations

import csv
import gzip
import json
from pathlib import Path

import numpy as np
import pandas as pd

ROOT = Path(__file__).resolve().parent.parent
OUT = ROOT / "tests" / "hardening" / "corpus"
SCENARIO = ROOT / "data" / "scenarios" / "kyiv-2026-02"
CODES = pd.read_csv(SCENARIO / "districts.csv", dtype=str)["district_code"].tolist()

D_HEAD = "district_code,district_name,admin1_code,lat,lon,population"
D_ROWS = [f"{c},District {i},UA80,50.{40 + i},30.{50 + i},{100000 + i}" for i, c in enumerate(CODES)]
U_HEAD = "district_code,reported_at,unheated_buildings"
O_HEAD = "district_code,status,hours_off_per_day,reported_at"
F_HEAD = "district_code,time,temp_c,wind_kmh"

cases: list[tuple[str, str, str, str]] = []  # file, role, outcome, message fragment


def text(name, role, outcome, fragment, body, encoding="utf-8"):
    (OUT / name).write_bytes(body.encode(encoding))
    cases.append((name, role, outcome, fragment))


def raw(name, role, outcome, fragment, body: bytes):
    (OUT / name).write_bytes(body)
    cases.append((name, role, outcome, fragment))


def forecast_rows(hours=24, temp=lambda d, t: -20.0, codes=CODES):
    times = pd.date_range("2026-02-01", periods=hours, freq="h").strftime("%Y-%m-%dT%H:%M:%SZ")
    return [f"{c},{t},{temp(i, k):.1f},10" for i, c in enumerate(codes) for k, t in enumerate(times)]


def districts_cases():
    uk = ("district_code;district_name;district_name_uk;admin1_code;lat;lon;population\r\n"
          + "".join(f"{c};D{i};Район {i};UA80;50,{40 + i};30,{50 + i};{100000 + i}\r\n" for i, c in enumerate(CODES)))
    text("d_cp1251_ok.csv", "districts", "ok", "", uk, "cp1251")
    text("d_utf16_ok.csv", "districts", "ok", "", uk, "utf-16")
    text("d_bom_semicolon_ok.csv", "districts", "ok", "", uk, "utf-8-sig")
    raw("d_latin1_ambiguous.csv", "districts", "error", "cannot tell the text encoding",
        ("district_code,district_name\nA,Café Zürich\n").encode("latin-1"))
    raw("d_binary_garbage.csv", "districts", "error", "cannot tell the text encoding",
        bytes(np.random.default_rng(1).integers(128, 256, 400, dtype=np.uint8)))
    raw("d_xlsx_renamed.csv", "districts", "error", "not a readable Excel workbook", b"PK\x03\x04" + b"\x00" * 200)
    text("d_empty.csv", "districts", "error", "the file is empty", "")
    text("d_header_only.csv", "districts", "error", "no data rows", D_HEAD + "\n")
    text("d_merged_title_row.csv", "districts", "error", "the header must be the first row",
         "Kyiv districts, Feb 2026,,,,\n" + D_HEAD + "\n" + "\n".join(D_ROWS) + "\n")
    text("d_missing_column.csv", "districts", "error", "column population: required column is missing",
         D_HEAD.rsplit(",", 1)[0] + "\n" + "\n".join(r.rsplit(",", 1)[0] for r in D_ROWS) + "\n")
    text("d_duplicate_code.csv", "districts", "error", "duplicate value",
         D_HEAD + "\n" + "\n".join(D_ROWS + [D_ROWS[0]]) + "\n")
    text("d_negative_population.csv", "districts", "error", "row 2, column population: must be ≥ 0",
         D_HEAD + "\n" + D_ROWS[0].rsplit(",", 1)[0] + ",-5\n")
    text("d_population_inf.csv", "districts", "error", "must be a finite number",
         D_HEAD + "\n" + D_ROWS[0].rsplit(",", 1)[0] + ",inf\n")
    text("d_population_huge.csv", "districts", "error", "implausibly large",
         D_HEAD + "\n" + D_ROWS[0].rsplit(",", 1)[0] + ",1e30\n")
    text("d_lat_out_of_range.csv", "districts", "error", "column lat: must be a latitude",
         D_HEAD + "\n" + f"{CODES[0]},X,UA80,504.5,30.5,100\n")
    text("d_lat_nan.csv", "districts", "error", "column lat: must not be empty",
         D_HEAD + "\n" + f"{CODES[0]},X,UA80,NaN,30.5,100\n")
    text("d_share_as_percent.csv", "districts", "error", "column share_65plus: must be a share between 0 and 1",
         D_HEAD + ",share_65plus\n" + D_ROWS[0] + ",18\n")
    text("d_formula_names_ok.csv", "districts", "ok", "",
         D_HEAD + "\n" + "\n".join(f'{c},"=HYPERLINK(""http://x"",""{i}"")",UA80,50.4,30.5,1000'
                                   for i, c in enumerate(CODES)) + "\n")


def unheated_cases():
    text("u_bom_semicolon_ok.csv", "unheated", "ok", "",
         "district_code;reported_at;unheated_buildings\r\n" + f"{CODES[0]};2026-02-01;12\r\n", "utf-8-sig")
    text("u_unknown_code.csv", "unheated", "error", "district_code 'UA99' is not in the districts file",
         U_HEAD + "\nUA99,2026-02-01,3\n")
    text("u_negative.csv", "unheated", "error", "column unheated_buildings: must be ≥ 0",
         U_HEAD + f"\n{CODES[0]},2026-02-01,-3\n")
    text("u_fractional_buildings.csv", "unheated", "error", "must be a whole number",
         "district_code;reported_at;unheated_buildings\n" + f"{CODES[0]};2026-02-01;12,5\n")
    text("u_excel_serial_date.csv", "unheated", "error", "column reported_at: must be an ISO 8601",
         U_HEAD + f"\n{CODES[0]},45689,3\n")
    text("u_dotted_date_ok.csv", "unheated", "ok", "",
         U_HEAD + f"\n{CODES[0]},01.02.2026,3\n")
    text("u_text_count.csv", "unheated", "error", "column unheated_buildings: must be a number",
         U_HEAD + f"\n{CODES[0]},2026-02-01,багато\n")
    text("u_huge.csv", "unheated", "error", "implausibly large", U_HEAD + f"\n{CODES[0]},2026-02-01,1e12\n")
    text("u_inf.csv", "unheated", "error", "must be a finite number", U_HEAD + f"\n{CODES[0]},2026-02-01,inf\n")
    text("u_empty_date.csv", "unheated", "error", "column reported_at: must not be empty",
         U_HEAD + f"\n{CODES[0]},,3\n")


def outages_cases():
    text("o_mixed_case_status_ok.csv", "outages", "ok", "", O_HEAD + f"\n{CODES[0]}, Scheduled ,12,2026-02-01\n")
    text("o_bad_status.csv", "outages", "error", "must be one of none, scheduled, emergency",
         O_HEAD + f"\n{CODES[0]},blackout,12,2026-02-01\n")
    text("o_ukrainian_status.csv", "outages", "error", "must be one of none, scheduled, emergency",
         O_HEAD + f"\n{CODES[0]},аварійні,,2026-02-01\n")
    text("o_scheduled_without_hours.csv", "outages", "error", "status 'scheduled' needs hours_off_per_day",
         O_HEAD + f"\n{CODES[0]},scheduled,,2026-02-01\n")
    text("o_hours_over_24.csv", "outages", "error", "must be between 0 and 24 hours",
         O_HEAD + f"\n{CODES[0]},scheduled,25,2026-02-01\n")
    text("o_none_with_hours.csv", "outages", "error", "status 'none' but 6 hours off per day",
         O_HEAD + f"\n{CODES[0]},none,6,2026-02-01\n")
    text("o_missing_status_column.csv", "outages", "error", "column status: required column is missing",
         "district_code,hours_off_per_day,reported_at\n" + f"{CODES[0]},6,2026-02-01\n")


def forecast_cases():
    text("f_kelvin.csv", "forecast", "error", "is it in Kelvin or Fahrenheit",
         F_HEAD + "\n" + "\n".join(forecast_rows(temp=lambda d, t: 253.1)) + "\n")
    text("f_fahrenheit.csv", "forecast", "error", "is it in Kelvin or Fahrenheit",
         F_HEAD + "\n" + "\n".join(forecast_rows(temp=lambda d, t: 70.0 - t)) + "\n")
    text("f_duplicate_rows.csv", "forecast", "error", "duplicate row for the same district, time and member",
         F_HEAD + "\n" + "\n".join(forecast_rows() + forecast_rows()[:1]) + "\n")
    text("f_missing_district.csv", "forecast", "error", "no forecast for district",
         F_HEAD + "\n" + "\n".join(forecast_rows(codes=CODES[:-1])) + "\n")
    rows = [r for r in forecast_rows()  # six hours missing for one district only
            if not (r.startswith(CODES[0]) and any(f"T{h:02d}:00" in r for h in range(5, 11)))]
    text("f_long_gap.csv", "forecast", "error", "gaps over 3 h", F_HEAD + "\n" + "\n".join(rows) + "\n")
    text("f_bad_time.csv", "forecast", "error", "column time: must be an ISO 8601",
         F_HEAD + "\n" + "\n".join(forecast_rows()).replace("2026-02-01T03:00:00Z", "tomorrow", 1) + "\n")
    text("f_negative_member.csv", "forecast", "error", "column member: must be a whole number",
         F_HEAD + ",member\n" + "\n".join(r + ",-1" for r in forecast_rows()) + "\n")
    text("f_negative_wind.csv", "forecast", "error", "wind_kmh -10 km/h",
         F_HEAD + "\n" + "\n".join(forecast_rows()).replace(",10\n", ",-10\n", 1) + "\n")
    text("f_text_temperature.csv", "forecast", "error", "column temp_c: must be a number",
         F_HEAD + "\n" + "\n".join(forecast_rows()).replace(",-20.0,", ",cold,", 1) + "\n")
    raw("f_empty.parquet", "forecast", "error", "not a readable Parquet file", b"")
    raw("f_truncated.nc", "forecast", "error", "not a readable NetCDF file", b"\x89HDF\r\n\x1a\n" + b"\x00" * 64)
    raw("f_garbage.grib2", "forecast", "error", "f_garbage.grib2", b"GRIB" + b"\xff" * 100)
    import xarray as xr

    times = pd.date_range("2026-02-01", periods=24, freq="h")
    xr.Dataset({"temp_c": (("district", "time"), np.full((len(CODES), 24), 253.0), {"units": "K"})},
               coords={"district": CODES, "time": times}).to_netcdf(OUT / "f_tidy_kelvin_units.nc")
    cases.append(("f_tidy_kelvin_units.nc", "forecast", "error", "expected °C"))
    xr.Dataset({"t": (("station", "hour"), np.zeros((2, 3)))}).to_netcdf(OUT / "f_wrong_dims.nc")
    cases.append(("f_wrong_dims.nc", "forecast", "error", "f_wrong_dims.nc"))
    item = {"latitude": 50.45, "longitude": 30.5, "utc_offset_seconds": 0, "timezone": "GMT",
            "hourly_units": {"time": "iso8601", "temperature_2m": "°C", "wind_speed_10m": "km/h"},
            "hourly": {"time": [f"2026-02-01T{h:02d}:00" for h in range(24)],
                       "temperature_2m": [-20.0] * 23, "wind_speed_10m": [10.0] * 24}}
    text("f_json_mismatched_lengths.json", "forecast", "error", "f_json_mismatched_lengths.json",
         json.dumps(item))
    text("f_json_offset.json", "forecast", "error", "utc_offset_seconds",
         json.dumps({**item, "utc_offset_seconds": 7200,
                     "hourly": {**item["hourly"], "temperature_2m": [-20.0] * 24}}))
    text("f_json_not_json.json", "forecast", "error", "f_json_not_json.json", "{\"latitude\": 50.4, ")
    raw("f_gzip_truncated.csv", "forecast", "error", "f_gzip_truncated.csv",
        gzip.compress(("\n".join([F_HEAD] + forecast_rows())).encode())[:80])


W_HEAD = "site_id,name,lat,lon,district_code,capacity_persons,hours_open_per_day"


def warming_sites_cases():
    text("w_cyrillic_semicolon_ok.csv", "warming_sites", "ok", "",
         "site_id;name;lat;lon;capacity_persons;hours_open_per_day;floor_area_m2;has_heating\r\n"
         "П1;Школа №1;50,40;30,52;200;24;350,5;Так\r\n", "utf-8-sig")
    text("w_negative_capacity.csv", "warming_sites", "error", "row 2, column capacity_persons: must be ≥ 0",
         W_HEAD + f"\nS1,School,50.40,30.52,{CODES[0]},-1,24\n")
    text("w_outside_every_district.csv", "warming_sites", "error", "row 2, column lat: the site at lat 49.84, "
         "lon 24.03 lies outside every district", W_HEAD + "\nS1,Lviv,49.84,24.03,,50,24\n")
    text("w_unknown_code.csv", "warming_sites", "error", "district_code 'UA99' is not in the districts file",
         W_HEAD + "\nS1,School,50.40,30.52,UA99,50,24\n")
    text("w_duplicate_site_id.csv", "warming_sites", "error", "column site_id: duplicate value",
         W_HEAD + f"\nS1,A,50.40,30.52,{CODES[0]},50,24\nS1,B,50.40,30.52,{CODES[0]},50,24\n")
    text("w_hours_over_24.csv", "warming_sites", "error", "column hours_open_per_day: must be between 0 and 24",
         W_HEAD + f"\nS1,School,50.40,30.52,{CODES[0]},50,25\n")
    text("w_heating_maybe.csv", "warming_sites", "error", "column has_heating: must be yes or no",
         W_HEAD + ",has_heating" + f"\nS1,School,50.40,30.52,{CODES[0]},50,24,maybe\n")
    text("w_zero_area.csv", "warming_sites", "error", "column floor_area_m2: must be > 0 m²",
         W_HEAD + ",floor_area_m2" + f"\nS1,School,50.40,30.52,{CODES[0]},50,24,0\n")
    text("w_missing_capacity_column.csv", "warming_sites", "error", "column capacity_persons: required column",
         "site_id,name,lat,lon,hours_open_per_day\nS1,School,50.40,30.52,24\n")
    raw("w_damaged_workbook.xlsx", "warming_sites", "error", "not a readable Excel workbook",
        b"PK\x03\x04" + b"\x00" * 60)

# --------------------------------------------------------------------------- issue 13: Excel workbooks

def _book(rows, title="data", setup=None) -> bytes:
    """An .xlsx with ``rows`` (lists of cells) on its first sheet; reproducible bytes."""
    import sys

    from openpyxl import Workbook

    sys.path.insert(0, str(ROOT))
    from heatneed.templates import reproducible_xlsx

    book = Workbook()
    sheet = book.active
    sheet.title = title
    for row in rows:
        sheet.append(row)
    if setup:
        setup(book)
    return reproducible_xlsx(book)


def _with_cached_formula(data: bytes, cell: str, formula: str, value: str) -> bytes:
    """``data`` with ``cell`` of the first sheet a formula whose cached value (as Excel saves it) is ``value``."""
    import io
    import re
    import zipfile

    out = io.BytesIO()
    with zipfile.ZipFile(io.BytesIO(data)) as src, zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as dst:
        for info in src.infolist():
            content = src.read(info.filename)
            if info.filename == "xl/worksheets/sheet1.xml":
                content = re.sub(rf'<c r="{cell}"[^>]*?(/>|>.*?</c>)'.encode(),
                                 f'<c r="{cell}"><f>{formula}</f><v>{value}</v></c>'.encode(), content)
            dst.writestr(info, content)
    return out.getvalue()


def _hidden_notes_then_registry(book) -> None:
    book.active.sheet_state = "hidden"
    sheet = book.create_sheet("districts")
    for row in [D_HEAD, *D_ROWS]:
        sheet.append(row.split(","))


def workbook_cases():
    """Workbooks as Excel in a Ukrainian locale writes them, and the ways they go wrong."""
    import datetime as dt

    u_uk = ["код району", "дата звіту", "кількість неопалюваних будинків"]
    raw("x_u_ukrainian_ok.xlsx", "unheated", "ok", "", _book(
        [u_uk, [CODES[0], "01.02.2026 6:00", 12.000000000001], [CODES[1], dt.datetime(2026, 2, 1, 6), 20.0],
         [CODES[2], "01.02.2026", 7]]))
    raw("x_o_ukrainian_status_ok.xlsx", "outages", "ok", "", _book(
        [["Код району", "Статус відключення", "Годин без світла на добу", "Дата звіту"],
         [CODES[0], "Аварійне", None, "01.02.2026 06:00:00"], [CODES[1], "за графіком", 16, dt.date(2026, 2, 1)]]))
    raw("x_f_datetime_cells_ok.xlsx", "forecast", "ok", "", _book(
        [["district_code", "time", "temp_c", "wind_kmh"]]
        + [[c, dt.datetime(2026, 2, 1) + dt.timedelta(hours=h), -20.5, 10] for c in CODES for h in range(24)]))
    raw("x_w_sites_ukrainian_ok.xlsx", "warming_sites", "ok", "", _book(
        [["код пункту", "назва пункту", "широта", "довгота", "код району", "місткість, осіб", "годин роботи на добу"],
         ["S1", "Школа", 50.40, 30.52, CODES[0], 50.0, 24]]))
    raw("x_d_hidden_first_sheet_ok.xlsx", "districts", "ok", "", _book(
        [["notes", "not the registry"]],
        setup=_hidden_notes_then_registry))
    raw("x_u_trailing_styled_cells_ok.xlsx", "unheated", "ok", "", _book(
        [U_HEAD.split(","), [CODES[0], "2026-02-01", 3]],
        setup=lambda b: [setattr(b.active.cell(row=r, column=c), "number_format", "0.00")
                         for r in range(3, 60) for c in range(1, 12)]))
    raw("x_u_formula_cached_ok.xlsx", "unheated", "ok", "", _with_cached_formula(
        _book([U_HEAD.split(","), [CODES[0], "2026-02-01", 0]]), "C2", "2*6", "12"))
    raw("x_d_empty_workbook.xlsx", "districts", "error", "the first sheet ('data') is empty", _book([]))
    raw("x_u_title_rows_merged.xlsx", "unheated", "error", "the column names are in row 3", _book(
        [["Звіт про неопалювані будинки"], [], u_uk, [CODES[0], "01.02.2026", 3]],
        setup=lambda b: b.active.merge_cells("A1:C1")))
    raw("x_u_text_count.xlsx", "unheated", "error",
        "row 2, column кількість неопалюваних будинків (unheated_buildings): must be a number",
        _book([u_uk, [CODES[0], "01.02.2026", "багато"]]))
    raw("x_u_fraction.xlsx", "unheated", "error", "must be a whole number (got 12.5)",
        _book([u_uk, [CODES[0], "01.02.2026", 12.5]]))
    raw("x_u_ambiguous_date.xlsx", "unheated", "error", "column дата звіту (reported_at): is ambiguous",
        _book([u_uk, [CODES[0], "01/02/2026", 3]]))
    raw("x_u_alias_clash.xlsx", "unheated", "error", "'district_code' and 'код району' both mean district_code",
        _book([["district_code", *u_uk], [CODES[0], CODES[0], "01.02.2026", 3]]))
    raw("x_u_time_cell_only.xlsx", "unheated", "error", "column дата звіту (reported_at): must be an ISO 8601",
        _book([u_uk, [CODES[0], dt.time(6, 0), 3]]))
    whole = _book([u_uk, [CODES[0], "01.02.2026", 3]])
    raw("x_u_truncated_zip.xlsx", "unheated", "error", "not a readable Excel workbook", whole[: len(whole) // 2])
    raw("x_u_garbage_xls.xls", "unheated", "error", "not a readable Excel workbook",
        b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\x00" * 600)

# --------------------------------------------------------------------------- issue 11 "Trust", classes 1-5

HOURS = 24


def _tidy_nc(path, times, temp=None, time_units: str | None = "hours since 2026-02-01 00:00:00",
             wind_units="km/h", time_dtype="i4", dims=None):
    """A tidy NetCDF forecast (district, time, member) written with netCDF4, time encoded as given.

    ``times``: numbers in ``time_units`` (or strings when ``time_dtype`` is ``str``); ``dims``:
    declared sizes to override (bombs: declared, never written).
    """
    import netCDF4

    n = len(times)
    temp = np.full((len(CODES), n, 1), -15.0) if temp is None else temp
    with netCDF4.Dataset(path, "w") as ds:
        sizes = {"district": len(CODES), "time": n, "member": 1, **(dims or {})}
        for dim, size in sizes.items():
            ds.createDimension(dim, size)
        district = ds.createVariable("district", str, ("district",), chunksizes=(min(1024, sizes["district"]),) if dims else None)
        for i, code in enumerate(CODES[:sizes["district"]]):
            district[i] = code
        t = ds.createVariable("time", time_dtype, ("time",))
        if time_units is not None:
            t.units = time_units
        if time_dtype is str:
            for i, v in enumerate(times):
                t[i] = v
        elif dims is None:
            t[:] = np.asarray(times)
        ds.createVariable("member", "i4", ("member",), chunksizes=(1,) if dims else None)[0:1] = [0]
        for name, unit, fill in (("temp_c", "degC", temp), ("wind_kmh", wind_units, 10.0)):
            var = ds.createVariable(name, "f4", ("district", "time", "member"),
                                    chunksizes=(1, min(sizes["time"], 1024), 1) if dims else None)
            if unit is not None:
                var.units = unit
            if dims is None:
                var[:] = np.broadcast_to(fill, (len(CODES), n, 1))


def _grid_nc(path, variables: dict, times=None, extra_coords=None):
    """A gridded NetCDF forecast over Kyiv: ``variables`` name -> (values or scalar, attrs)."""
    import xarray as xr

    times = pd.date_range("2026-02-01", periods=HOURS, freq="h") if times is None else times
    lat, lon = np.array([50.0, 50.25, 50.5, 50.75, 51.0]), np.array([30.0, 30.25, 30.5, 30.75, 31.0])
    shape = (len(times), len(lat), len(lon))
    data = {name: (("time", "latitude", "longitude"), np.broadcast_to(np.asarray(v, dtype="f4"), shape).copy(),
                   attrs) for name, (v, attrs) in variables.items()}
    ds = xr.Dataset(data, coords={"time": times, "latitude": lat, "longitude": lon, **(extra_coords or {})})
    ds.to_netcdf(path)


T2M = {"units": "K", "standard_name": "air_temperature", "long_name": "2 metre temperature"}
OM_ITEM = {"latitude": 50.45, "longitude": 30.52, "utc_offset_seconds": 0, "timezone": "GMT",
           "hourly_units": {"time": "iso8601", "temperature_2m": "°C", "wind_speed_10m": "km/h"},
           "hourly": {"time": [f"2026-02-01T{h:02d}:00" for h in range(HOURS)],
                      "temperature_2m": [-20.0] * HOURS, "wind_speed_10m": [10.0] * HOURS}}


def _om(name, outcome, fragment, change):
    """An Open-Meteo JSON file (one location over Kyiv: every district within 50 km) changed by ``change``."""
    item = json.loads(json.dumps(OM_ITEM))
    change(item)
    text(name, "forecast", outcome, fragment, json.dumps(item))


def _csv_forecast(name, outcome, fragment, times, codes=CODES):
    stamps = pd.DatetimeIndex(times).strftime("%Y-%m-%dT%H:%M:%SZ")
    rows = [f"{c},{t},-15.0,10" for c in codes for t in stamps]
    text(name, "forecast", outcome, fragment, F_HEAD + "\n" + "\n".join(rows) + "\n")


def time_axis_cases():
    """Class 1: forecast time axes."""
    hours = np.arange(HOURS)
    rng = np.random.default_rng(11)
    _tidy_nc(OUT / "t1_nc_shuffled_ok.nc", rng.permutation(hours))
    cases.append(("t1_nc_shuffled_ok.nc", "forecast", "ok", ""))
    _tidy_nc(OUT / "t1_nc_reversed_ok.nc", hours[::-1])
    cases.append(("t1_nc_reversed_ok.nc", "forecast", "ok", ""))
    temp = np.full((len(CODES), HOURS, 1), -15.0)
    temp[:, 5, 0] = -40.0
    _tidy_nc(OUT / "t1_nc_duplicate_time.nc", np.r_[hours[:5], 4, hours[6:]], temp=temp)
    cases.append(("t1_nc_duplicate_time.nc", "forecast", "error", "appears more than once"))
    _tidy_nc(OUT / "t1_nc_int_time_no_units.nc", hours, time_units=None)
    cases.append(("t1_nc_int_time_no_units.nc", "forecast", "error", "time values are not dates"))
    _tidy_nc(OUT / "t1_nc_shared_24h_hole.nc", np.r_[hours[:6], hours[6:] + 24])
    cases.append(("t1_nc_shared_24h_hole.nc", "forecast", "error", "time step of 25 h"))
    _tidy_nc(OUT / "t1_nc_steps_a_year_apart.nc", np.r_[hours[:-1], 8760 + 23])
    cases.append(("t1_nc_steps_a_year_apart.nc", "forecast", "error", "steps must be 1, 3, 6 h"))
    _tidy_nc(OUT / "t1_nc_time_year_2300.nc", hours, time_units="hours since 2300-01-01 00:00:00")
    cases.append(("t1_nc_time_year_2300.nc", "forecast", "error", "column time: time values are not dates"))
    _tidy_nc(OUT / "t1_nc_time_year_0001.nc", hours, time_units="hours since 0001-01-01 00:00:00")
    cases.append(("t1_nc_time_year_0001.nc", "forecast", "error", "column time: time values are not dates"))
    _tidy_nc(OUT / "t1_nc_time_furlongs.nc", hours, time_units="furlongs since the battle")
    cases.append(("t1_nc_time_furlongs.nc", "forecast", "error", "t1_nc_time_furlongs.nc"))
    _tidy_nc(OUT / "t1_nc_time_text.nc", [f"day {h}" for h in hours], time_units=None, time_dtype=str)
    cases.append(("t1_nc_time_text.nc", "forecast", "error", "time values are not dates"))
    _tidy_nc(OUT / "t1_nc_cut_to_3h.nc", hours[:3])
    cases.append(("t1_nc_cut_to_3h.nc", "forecast", "error", "covers only 3 h"))
    base = pd.Timestamp("2026-02-01")
    _csv_forecast("t1_csv_shared_24h_hole.csv", "error", "time step of 25 h",
                  [base + pd.Timedelta(hours=int(h)) for h in np.r_[hours[:6], hours[6:] + 24]])
    _csv_forecast("t1_csv_half_hour_steps.csv", "error", "time step of 0.5 h",
                  pd.date_range(base, periods=48, freq="30min"))
    three = [base + pd.Timedelta(hours=3 * k) for k in range(12)]
    _csv_forecast("t1_csv_3h_with_6h_hole.csv", "error", "holes in the time axis", three[:4] + three[5:])
    _csv_forecast("t1_csv_cut_to_3h.csv", "error", "covers only 3 h", pd.date_range(base, periods=3, freq="h"))
    _csv_forecast("t1_csv_12h_ok.csv", "ok", "", pd.date_range(base, periods=12, freq="h"))
    _csv_forecast("t1_csv_ecmwf_3h_then_6h_ok.csv", "ok", "",
                  [base + pd.Timedelta(hours=h) for h in [0, 3, 6, 9, 12, 18, 24, 30]])
    _csv_forecast("t1_csv_time_year_2262.csv", "error", "column time: must be an ISO 8601",
                  pd.date_range(base, periods=HOURS, freq="h"))
    (OUT / "t1_csv_time_year_2262.csv").write_text(
        (OUT / "t1_csv_time_year_2262.csv").read_text().replace("2026-02-01T05:00:00Z", "2262-06-01T05:00:00Z"))
    _om("t1_json_shuffled_ok.json", "ok", "", lambda i: i["hourly"].update(
        time=[i["hourly"]["time"][k] for k in np.random.default_rng(3).permutation(HOURS)]))
    _om("t1_json_repeated_time.json", "error", "appears more than once",
        lambda i: i["hourly"]["time"].__setitem__(3, i["hourly"]["time"][2]))
    _om("t1_json_null_time.json", "error", "time[3] must be an ISO 8601 text",
        lambda i: i["hourly"]["time"].__setitem__(3, None))
    _om("t1_json_time_year_0001.json", "error", "not ISO 8601 dates in range",
        lambda i: i["hourly"]["time"].__setitem__(3, "0001-01-01T00:00"))
    _grid_nc(OUT / "t1_grid_shuffled_ok.nc", {"t2m": (258.0, T2M)},
             times=pd.date_range("2026-02-01", periods=HOURS, freq="h")[rng.permutation(HOURS)])
    cases.append(("t1_grid_shuffled_ok.nc", "forecast", "ok", ""))
    import xarray as xr

    for name, units in (("t1_grid_int_time_no_units.nc", None), ("t1_grid_time_year_2300.nc", "hours since 2300-01-01")):
        grid = xr.Dataset({"t2m": (("time", "latitude", "longitude"), np.full((HOURS, 2, 2), 258.0), T2M)},
                          coords={"time": np.arange(HOURS), "latitude": [50.0, 51.0], "longitude": [30.0, 31.0]})
        if units:
            grid["time"].attrs["units"] = units
        grid.to_netcdf(OUT / name)
        cases.append((name, "forecast", "error", "column time: time values are not dates in range"))


def quantity_cases():
    """Class 2: wrong quantities and units."""
    _grid_nc(OUT / "t2_grid_850hpa.nc", {"t": (258.0, {**T2M, "long_name": "temperature"})},
             extra_coords={"isobaricInhPa": 850.0})
    cases.append(("t2_grid_850hpa.nc", "forecast", "error", "no 2 m temperature (air) found: 't' is on a pressure"))
    _grid_nc(OUT / "t2_grid_t2m_at_850hpa.nc", {"t2m": (258.0, T2M)}, extra_coords={"isobaricInhPa": 850.0})
    cases.append(("t2_grid_t2m_at_850hpa.nc", "forecast", "error", "'t2m' is on a pressure level"))
    _grid_nc(OUT / "t2_grid_tmax.nc", {"mx2t": (258.0, {**T2M, "cell_methods": "time: maximum"})},
             extra_coords={"height": ((), 2.0, {"units": "m", "standard_name": "height"})})
    cases.append(("t2_grid_tmax.nc", "forecast", "error", "maximum, minimum or mean"))
    _grid_nc(OUT / "t2_grid_tmax_500hpa.nc", {"tmax_500hPa": (258.0, T2M)})
    cases.append(("t2_grid_tmax_500hpa.nc", "forecast", "error", "'tmax_500hPa' is"))
    _grid_nc(OUT / "t2_grid_air_temperature_no_height.nc", {"air_temperature": (258.0, T2M)})
    cases.append(("t2_grid_air_temperature_no_height.nc", "forecast", "error", "no height coordinate"))
    _grid_nc(OUT / "t2_grid_cf_height_2m_ok.nc", {"temperature": (258.0, T2M)},
             extra_coords={"height": ((), 2.0, {"units": "m", "standard_name": "height"})})
    cases.append(("t2_grid_cf_height_2m_ok.nc", "forecast", "ok", ""))
    _grid_nc(OUT / "t2_grid_t2m_dewpoint.nc", {"t2m": (258.0, {**T2M, "standard_name": "dew_point_temperature"})})
    cases.append(("t2_grid_t2m_dewpoint.nc", "forecast", "error", "standard_name 'dew_point_temperature'"))
    _grid_nc(OUT / "t2_grid_u10_at_100m.nc",
             {"t2m": (258.0, T2M), "u10": (5.0, {"units": "m s-1", "standard_name": "eastward_wind"}),
              "v10": (5.0, {"units": "m s-1", "standard_name": "northward_wind"})},
             extra_coords={"height": ((), 100.0, {"units": "m", "standard_name": "height"})})
    cases.append(("t2_grid_u10_at_100m.nc", "forecast", "error", "at height 100 m"))
    _grid_nc(OUT / "t2_grid_fahrenheit.nc", {"t2m": (5.0, {**T2M, "units": "degF"})})
    cases.append(("t2_grid_fahrenheit.nc", "forecast", "error", "in units 'degf'"))
    _grid_nc(OUT / "t2_grid_tas_no_units.nc", {"tas": (258.0, {"standard_name": "air_temperature"})})
    cases.append(("t2_grid_tas_no_units.nc", "forecast", "error", "has no units attribute"))
    _tidy_nc(OUT / "t2_nc_wind_in_m_per_s.nc", np.arange(HOURS), wind_units="m s-1")
    cases.append(("t2_nc_wind_in_m_per_s.nc", "forecast", "error", "wind_kmh has units 'm s-1'; expected km/h"))
    _om("t2_json_true_temperature.json", "error", "temperature_2m[4] must be a number or null (got true)",
        lambda i: i["hourly"]["temperature_2m"].__setitem__(4, True))
    _om("t2_json_text_temperature.json", "error", "must be a number or null (got \"-5\")",
        lambda i: i["hourly"]["temperature_2m"].__setitem__(4, "-5"))
    _om("t2_json_nested_temperature.json", "error", "must be a number or null",
        lambda i: i["hourly"]["temperature_2m"].__setitem__(4, [[-5]]))


def _grib_from_fixture(name: str, change, keep=lambda short: True) -> None:
    """The ECMWF-layout GRIB fixture with its 2 m temperature messages changed by ``change(handle)``."""
    import eccodes

    fixture = ROOT / "tests" / "sources" / "fixtures" / "gridded" / "ensemble_kyiv.grib2"
    with open(fixture, "rb") as src, open(OUT / name, "wb") as out:
        while (h := eccodes.codes_grib_new_from_file(src)) is not None:
            short = eccodes.codes_get(h, "shortName")
            if short == "2t":
                change(h)
            if keep(short):
                eccodes.codes_write(h, out)
            eccodes.codes_release(h)


def grib_cases():
    """Class 2 in GRIB: 850 hPa temperature, a 6-hourly maximum (alone, and next to 10 m wind)."""
    import eccodes

    def at_850(h):
        for key, value in (("typeOfLevel", "isobaricInhPa"), ("level", 850), ("shortName", "t")):
            eccodes.codes_set(h, key, value)

    def maximum(h):
        for key, value in (("productDefinitionTemplateNumber", 11), ("typeOfStatisticalProcessing", 2),
                           ("lengthOfTimeRange", 6), ("paramId", 201)):
            eccodes.codes_set(h, key, value)

    _grib_from_fixture("t2_grib_850hpa.grib2", at_850)
    cases.append(("t2_grib_850hpa.grib2", "forecast", "error", "'t' has GRIB parameter 130 (Temperature)"))
    _grib_from_fixture("t2_grib_tmax_only.grib2", maximum, keep=lambda short: short == "2t")
    cases.append(("t2_grib_tmax_only.grib2", "forecast", "error", "no 2 m temperature (air) found"))
    _grib_from_fixture("t2_grib_tmax_and_wind.grib2", maximum)
    cases.append(("t2_grib_tmax_and_wind.grib2", "forecast", "error", "do not share one time axis"))


def plausibility_cases():
    """Class 3: implausible reports."""
    text("t3_u_reported_2200.csv", "unheated", "error", "column reported_at: 2200-01-01T00:00Z is in the future",
         U_HEAD + f"\n{CODES[0]},2026-02-01,3\n{CODES[0]},2200-01-01,900\n")
    text("t3_u_since_after_reported.csv", "unheated", "error", "column unheated_since: 2027-01-31T03:00Z is after "
         "reported_at", U_HEAD + f",unheated_since\n{CODES[0]},2026-01-31T06:00Z,80,2027-01-31T03:00Z\n")
    text("t3_u_since_in_future.csv", "unheated", "error", "column unheated_since: 2199-01-01T00:00Z is in the future",
         U_HEAD + f",unheated_since\n{CODES[0]},2200-01-01,80,2199-01-01\n")
    text("t3_u_residents_over_population.csv", "unheated", "error",
         "column residents: 999,999,999 is more than the district's population (254,709)",
         U_HEAD + f",residents\n{CODES[0]},2026-02-01,80,999999999\n")
    text("t3_u_buildings_over_residential.csv", "unheated", "error",
         "column unheated_buildings: 5,000 is more than the district's residential buildings (1,107)",
         U_HEAD + f"\n{CODES[0]},2026-02-01,5000\n")
    text("t3_u_duplicate_column.csv", "unheated", "error", "row 1, column unheated_buildings: the column name appears",
         U_HEAD + ",unheated_buildings\n" + f"{CODES[0]},2026-02-01,3,300\n")
    text("t3_d_duplicate_column.csv", "districts", "error", "row 1, column population: the column name appears",
         D_HEAD + ",Population\n" + "\n".join(r + ",5" for r in D_ROWS) + "\n")
    text("t3_o_reported_2100.csv", "outages", "error", "column reported_at: 2100-02-01T06:00Z is in the future",
         O_HEAD + f"\n{CODES[0]},none,,2100-02-01T06:00:00Z\n")
    text("t3_u_same_day_since_ok.csv", "unheated", "ok", "",
         U_HEAD + f",unheated_since\n{CODES[0]},2026-01-31,80,2026-01-31T03:00:00Z\n")


def reader_error_cases():
    """Class 4: bad input that used to be an internal error; every problem at once; long values cut."""
    text("t4_u_reported_2262.csv", "unheated", "error", "column reported_at: must be an ISO 8601",
         U_HEAD + f"\n{CODES[0]},2262-06-01,3\n")
    text("t4_u_reported_0001.csv", "unheated", "error", "column reported_at: must be an ISO 8601",
         U_HEAD + f"\n{CODES[0]},0001-01-01,3\n")
    text("t4_d_buildings_1e-300.csv", "districts", "error", "column buildings_residential: must be a whole number",
         D_HEAD + ",buildings_residential\n" + "\n".join(r + ",1e-300" for r in D_ROWS) + "\n")
    _om("t4_json_null_latitude.json", "error", "location 1: latitude must be a number",
        lambda i: i.update(latitude=None))
    _om("t4_json_text_longitude.json", "error", "location 1: longitude must be a number",
        lambda i: i.update(longitude="30.5"))
    _om("t4_json_text_offset.json", "error", "utc_offset_seconds must be a number",
        lambda i: i.update(utc_offset_seconds="0"))
    _om("t4_json_hourly_not_list.json", "error", "must be lists",
        lambda i: i["hourly"].update(temperature_2m={"a": 1}))
    text("t4_json_deeply_nested.json", "forecast", "error", "t4_json_deeply_nested.json",
         "[" * 100_000 + "]" * 100_000)
    text("t4_u_unknown_code_and_bad_count.csv", "unheated", "error", "district_code 'UA99' is not in the districts file",
         U_HEAD + f"\nUA99,2026-02-01,3\n{CODES[0]},2026-02-01,-4\n")
    text("t4_u_2mb_code.csv", "unheated", "error", "characters)", U_HEAD + "\n" + "X" * 2_000_000 + ",2026-02-01,3\n")
    text("t4_f_text_time_and_temp.csv", "forecast", "error", "column temp_c: must be a number",
         F_HEAD + "\n" + "\n".join(forecast_rows()).replace(",-20.0,", ",cold,", 1)
         .replace("2026-02-01T07:00:00Z", "later", 1) + "\n")
    raw("t4_nc_html_error_page.nc", "forecast", "error", "t4_nc_html_error_page.nc",
        b"<html><body>502 Bad Gateway</body></html>\n")


def resource_cases():
    """Class 5: declared sizes beyond the limits, refused before reading."""
    _tidy_nc(OUT / "t5_nc_1p5_billion_districts.nc", np.arange(HOURS), dims={"district": 1_500_000_000})
    cases.append(("t5_nc_1p5_billion_districts.nc", "forecast", "error",
                  "declares 1,500,000,000 entries along 'district'"))
    _tidy_nc(OUT / "t5_nc_2_million_members.nc", np.arange(HOURS), dims={"member": 2_000_000})
    cases.append(("t5_nc_2_million_members.nc", "forecast", "error", "declares 2,000,000 members along 'member'"))
    import netCDF4

    with netCDF4.Dataset(OUT / "t5_grid_billion_latitudes.nc", "w") as ds:
        ds.createDimension("time", 2)
        ds.createDimension("latitude", 1_000_000_000)
        ds.createDimension("longitude", 4)
        t = ds.createVariable("time", "i4", ("time",))
        t.units, t[:] = "hours since 2026-02-01 00:00:00", [0, 1]
        ds.createVariable("latitude", "f4", ("latitude",), chunksizes=(1 << 20,))
        ds.createVariable("longitude", "f4", ("longitude",))[:] = [30, 30.25, 30.5, 30.75]
        v = ds.createVariable("t2m", "f4", ("time", "latitude", "longitude"), chunksizes=(1, 1 << 16, 4))
        v.units = "K"
    cases.append(("t5_grid_billion_latitudes.nc", "forecast", "error",
                  "declares 1,000,000,000 entries along 'latitude'"))


def main():
    OUT.mkdir(parents=True, exist_ok=True)
    for old in OUT.iterdir():
        old.unlink()
    districts_cases()
    unheated_cases()
    outages_cases()
    forecast_cases()
    warming_sites_cases()
    workbook_cases()
    time_axis_cases()
    quantity_cases()
    grib_cases()
    plausibility_cases()
    reader_error_cases()
    resource_cases()
    with open(OUT / "EXPECTED.csv", "w", newline="", encoding="utf-8") as fh:
        writer = csv.writer(fh)
        writer.writerow(["file", "role", "outcome", "message"])
        writer.writerows(cases)
    print(f"{len(cases)} files in {OUT.relative_to(ROOT)}")


if __name__ == "__main__":
    main()
