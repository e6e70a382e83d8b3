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
    raw("d_xlsx_renamed.csv", "districts", "error", "Excel workbook", b"PK\x03\x04" + b"\x00" * 200)
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
    text("u_dotted_date.csv", "unheated", "error", "column reported_at: must be an ISO 8601",
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


def main():
    OUT.mkdir(parents=True, exist_ok=True)
    for old in OUT.iterdir():
        old.unlink()
    districts_cases()
    unheated_cases()
    outages_cases()
    forecast_cases()
    warming_sites_cases()
    with open(OUT / "EXPECTED.csv", "w", newline="", encoding="utf-8") as fh:
        writer = csv.writer(fh)
        writer.writerow(["file", "role", "outcome", "message"])
        writer.writerows(cases)
    print(f"{len(cases)} files in {OUT.relative_to(ROOT)}")


if __name__ == "__main__":
    main()
