"""Input files as they really arrive (Excel in a Ukrainian locale) and one clear line per problem."""

import numpy as np
import pandas as pd
import pytest

from heatneed.errors import InputError
from heatneed.inputs import load_districts, load_reports, load_table

DISTRICTS_UK = (
    "district_code;district_name;district_name_uk;admin1_code;lat;lon;population;share_65plus\r\n"
    "UA80000000000126643;Holosiivskyi;Голосіївський;UA80;50,3323;30,5546;254 709;0,17\r\n"
    "UA80000000000210193;Darnytskyi;Дарницький;UA80;50,4017;30,6950;346650;\r\n"
)


def write(tmp_path, name, text, encoding="utf-8-sig"):
    path = tmp_path / name
    path.write_bytes(text.encode(encoding))
    return path


@pytest.mark.parametrize("encoding", ["utf-8-sig", "utf-8", "utf-16", "cp1251"])
def test_excel_ukrainian_locale_reads(tmp_path, encoding):
    reg = load_districts(write(tmp_path, "d.csv", DISTRICTS_UK, encoding))
    assert list(reg.index) == ["UA80000000000126643", "UA80000000000210193"]
    assert reg.loc["UA80000000000126643", "lat"] == pytest.approx(50.3323)
    assert reg.loc["UA80000000000126643", "population"] == 254709  # thousands separator
    assert reg.loc["UA80000000000126643", "district_name_uk"] == "Голосіївський"
    assert reg.loc["UA80000000000126643", "share_65plus"] == pytest.approx(0.17)
    assert np.isnan(reg.loc["UA80000000000210193", "share_65plus"])  # empty stays missing


def test_undetectable_encoding_is_refused(tmp_path):
    path = tmp_path / "latin.csv"
    path.write_bytes("district_code,district_name\nA,Caf\xe9 \xfc\xf6\n".encode("latin-1"))
    with pytest.raises(InputError, match="latin.csv: cannot tell the text encoding"):
        load_table(path, "districts")


def test_every_problem_names_file_row_and_column(tmp_path):
    text = ("district_code,district_name,admin1_code,lat,lon,population\n"
            "A,Alpha,UA80,50.1,30.1,1000\n"
            "B,Beta,UA80,95,30.2,-5\n"
            "A,Gamma,UA80,50.3,abc,10\n")
    with pytest.raises(InputError) as err:
        load_districts(write(tmp_path, "reg.csv", text))
    problems = err.value.problems
    assert "reg.csv, row 3, column lat: must be a latitude between -90 and 90 (got 95.0)" in problems
    assert "reg.csv, row 3, column population: must be ≥ 0 (got -5.0)" in problems
    assert "reg.csv, row 4, column lon: must be a number (got 'abc')" in problems
    assert any(p.startswith("reg.csv, row 4, column district_code: duplicate") for p in problems)
    assert any(p.startswith("reg.csv, row 2, column district_code: duplicate") for p in problems)


def test_missing_required_column(tmp_path):
    with pytest.raises(InputError, match="r.csv, column population: required column is missing"):
        load_districts(write(tmp_path, "r.csv", "district_code,district_name,admin1_code,lat,lon\nA,a,U,1,2\n"))


def test_hxl_row_under_the_header_is_skipped_and_rows_still_count_as_in_excel(tmp_path):
    text = ("district_code,district_name,admin1_code,lat,lon,population\n"
            "#adm5+code,#adm5+name,#adm1+code,#geo+lat,#geo+lon,#population\n"
            "A,Alpha,UA80,50.1,30.1,1000\n"
            "B,Beta,UA80,50.2,30.2,x\n")
    with pytest.raises(InputError) as err:
        load_districts(write(tmp_path, "h.csv", text))
    assert err.value.problems == ["h.csv, row 4, column population: must be a number (got 'x')"]


@pytest.fixture
def registry(tmp_path):
    text = ("district_code,district_name,admin1_code,lat,lon,population\n"
            "A,Alpha,UA80,50.1,30.1,1000\nB,Beta,UA80,50.2,30.2,2000\n")
    return load_districts(write(tmp_path, "reg.csv", text))


def test_latest_report_wins_whatever_the_row_order(tmp_path, registry):
    text = ("district_code;reported_at;unheated_buildings\n"
            "A;2026-02-01;12\nA;2026-01-31;40\nB;2026-01-31T23:00:00Z;3\n")
    latest = load_reports(write(tmp_path, "u.csv", text), "unheated", registry)
    assert latest.loc["A", "unheated_buildings"] == 12
    assert latest.loc["B", "reported_at"] == pd.Timestamp("2026-01-31T23:00Z")


def test_unknown_codes_are_an_error_not_dropped(tmp_path, registry):
    text = "district_code,reported_at,unheated_buildings\nA,2026-02-01,1\nZZ,2026-02-01,5\n"
    with pytest.raises(InputError) as err:
        load_reports(write(tmp_path, "u.csv", text), "unheated", registry)
    assert err.value.problems == ["u.csv, row 3, column district_code: district_code 'ZZ' is not in the districts file"]


@pytest.mark.parametrize(("row", "message"), [
    ("A,scheduled,,2026-02-01", "status 'scheduled' needs hours_off_per_day"),
    ("A,none,4,2026-02-01", "status 'none' but 4 hours off per day"),
    ("A,blackout,4,2026-02-01", "must be one of none, scheduled, emergency (got 'blackout')"),
    ("A,scheduled,30,2026-02-01", "must be between 0 and 24 hours (got 30.0)"),
    ("A,emergency,,01/02/2026", "is ambiguous or has a two-digit year; write an ISO 8601 date"),
])
def test_outage_problems(tmp_path, registry, row, message):
    text = "district_code,status,hours_off_per_day,reported_at\n" + row + "\n"
    with pytest.raises(InputError) as err:
        load_reports(write(tmp_path, "o.csv", text), "outages", registry)
    assert len(err.value.problems) == 1
    assert err.value.problems[0].startswith("o.csv, row 2, column ")
    assert message in err.value.problems[0]


def test_parquet_inputs_read(tmp_path, registry):
    frame = pd.DataFrame({"district_code": ["A", "B"], "status": ["emergency", "none"],
                          "hours_off_per_day": [None, 0.0], "reported_at": ["2026-02-01", "2026-02-01"]})
    path = tmp_path / "o.parquet"
    frame.to_parquet(path)
    latest = load_reports(path, "outages", registry)
    assert latest.loc["A", "status"] == "emergency"
    assert latest.loc["B", "hours_off_per_day"] == 0.0


def test_empty_and_non_table_files(tmp_path, registry):
    with pytest.raises(InputError, match="e.csv: the file is empty"):
        load_reports(write(tmp_path, "e.csv", ""), "unheated", registry)
    bad = tmp_path / "x.parquet"
    bad.write_bytes(b"PAR1 not really")
    with pytest.raises(InputError, match="x.parquet: not a readable Parquet file"):
        load_reports(bad, "unheated", registry)
