"""Excel out (issue 13): the XLSX workbook (priority + provenance sheets), the "CSV for Excel
(Ukrainian)" and the export file names, read back with openpyxl and pandas."""

from __future__ import annotations

import dataclasses
import hashlib
import io
import math
import zipfile
from pathlib import Path

import numpy as np
import openpyxl
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from heatneed import cli, columns, export, pipeline
from heatneed.config import model_params
from heatneed.store import read_priority_csv

ROOT = Path(__file__).resolve().parents[1]
SCENARIO = ROOT / "data" / "scenarios" / "kyiv-2026-02"
GOLDEN = ROOT / "tests" / "golden"
DESNIANSKYI = "UA80000000000336424"


@pytest.fixture(scope="module")
def ranked():
    return pipeline.rank(pipeline.load_inputs(), model_params())


@pytest.fixture(scope="module")
def workbook(ranked):
    data = export.xlsx_bytes(ranked.priority, export.provenance_of(ranked))
    return data, openpyxl.load_workbook(io.BytesIO(data))


def sheet_frame(ws) -> pd.DataFrame:
    rows = list(ws.iter_rows(values_only=True))
    return pd.DataFrame(rows[1:], columns=rows[0])


def provenance(ws) -> dict[tuple[str, str], tuple]:
    return {(r[0], r[1]): r[2:] for r in list(ws.iter_rows(values_only=True))[1:]}


# --------------------------------------------------------------------------- XLSX

def test_xlsx_priority_sheet_holds_the_csv_numbers(ranked, workbook):
    _, wb = workbook
    assert wb.sheetnames == ["priority", "provenance"]
    sheet = sheet_frame(wb["priority"])
    csv = read_priority_csv(export.priority_bytes(ranked.priority))
    assert list(sheet.columns) == columns.PRIORITY_COLUMNS  # English names, district_name_uk included
    assert len(sheet) == len(csv) == 10
    for col in columns.PRIORITY:
        got, want = sheet[col.name], csv[col.name]
        if col.dtype == "str":
            assert [("" if v is None else v) for v in got] == [("" if pd.isna(v) else v) for v in want], col.name
        else:
            tolerance = 0.5 * 10.0 ** -(col.decimals or 0)  # within the column's rounding
            assert all(isinstance(v, (int, float)) for v in got if v is not None), col.name
            np.testing.assert_allclose(got.astype(float), want.astype(float), atol=tolerance, rtol=0,
                                       equal_nan=True, err_msg=col.name)
    first = sheet.iloc[0]
    assert (first["district_code"], first["district_name_uk"]) == (DESNIANSKYI, "Деснянський")
    assert (first["residents_unheated"], first["min_temp_c"]) == (27601, -28.2)
    assert first["forecast_issued_at"] == "2026-02-01T00:00:00Z"  # ISO text, as in the CSV


def test_xlsx_number_formats_come_from_the_column_rounding(workbook):
    _, wb = workbook
    ws = wb["priority"]
    header = [c.value for c in ws[1]]
    fmt = {name: ws.cell(row=2, column=header.index(name) + 1).number_format for name in header}
    assert fmt["risk_score"] == "0.0" and fmt["min_indoor_c"] == "0.0"
    assert fmt["p_indoor_below_12c"] == "0.00"
    assert fmt["residents_unheated"] == "#,##0" and fmt["unheated_buildings"] == "0" and fmt["rank"] == "0"
    assert ws.freeze_panes == "A2" and ws.auto_filter.ref == f"A1:{openpyxl.utils.get_column_letter(31)}11"
    assert all(c.font.b for c in ws[1])
    widths = [ws.column_dimensions[openpyxl.utils.get_column_letter(i)].width for i in range(1, 32)]
    assert all(len(h) + 2 <= w <= export.MAX_COLUMN_WIDTH for h, w in zip(header, widths) if len(h) < 58)


def test_xlsx_provenance_sheet(ranked, workbook):
    _, wb = workbook
    rows = provenance(wb["provenance"])
    assert [c.value for c in wb["provenance"][1]] == list(export.PROVENANCE_COLUMNS)
    assert rows[("heatneed", "version")][0] == "0.1.0"
    assert rows[("forecast", "source")][0] == "file:forecast.csv"
    assert rows[("forecast", "issued_at")][0] == "2026-02-01T00:00:00Z"
    assert rows[("data", "data_as_of")][0] == "2026-02-01T06:00:00Z"
    assert rows[("data", "illustrative")][0] == "yes"
    assert rows[("data", "stale")][0] == "yes"  # a forecast from February 2026 is older than 24 h
    assert rows[("data", "completeness")][0] == "8 of 10 districts complete"
    for role in ("districts", "unheated", "outages", "forecast"):
        name, sha = rows[("input", role)][0], hashlib.sha256((SCENARIO / f"{role}.csv").read_bytes()).hexdigest()
        assert name == f"{role}.csv" and rows[("input", role)][3] == f"sha256 {sha}"
    fields = [f.name for f in dataclasses.fields(ranked.params)]
    assert [k for (section, k) in rows if section == "setting"] == fields  # every setting, value and default
    assert rows[("setting", "tau_hours")][:2] == (51, 51)
    assert rows[("setting", "band_weights")][:2] == ("1 | 2 | 4 | 8", "1 | 2 | 4 | 8")
    assert not any(section == "edit" for section, _ in rows)


def test_changed_settings_and_edits_are_recorded(ranked):
    result = pipeline.rank(pipeline.load_inputs(), model_params(tau_hours=80.0))
    edits = (export.Edit(DESNIANSKYI, "unheated_buildings", 120, 150),
             export.Edit(DESNIANSKYI, "outage_status", "emergency", "scheduled"))
    wb = openpyxl.load_workbook(io.BytesIO(export.xlsx_bytes(result.priority, export.provenance_of(result, edits))))
    rows = provenance(wb["provenance"])
    assert rows[("setting", "tau_hours")] == (80, 51, None, "changed")
    assert rows[("setting", "horizon_hours")][3] is None
    assert rows[("edit", f"{DESNIANSKYI} unheated_buildings")] == (150, None, 120, "edited in the app")
    assert rows[("edit", f"{DESNIANSKYI} outage_status")][0::2] == ("scheduled", "emergency")


def test_xlsx_bytes_are_deterministic_and_dated_by_the_data(ranked, workbook):
    data, wb = workbook
    assert export.xlsx_bytes(ranked.priority, export.provenance_of(ranked)) == data
    with zipfile.ZipFile(io.BytesIO(data)) as archive:
        assert {info.date_time for info in archive.infolist()} == {(2026, 2, 1, 0, 0, 0)}
    assert wb.properties.created == wb.properties.modified == pd.Timestamp("2026-02-01").to_pydatetime()


def test_hostile_text_stays_text_in_the_workbook(ranked):
    priority = ranked.priority.copy()
    priority.loc[0, "district_name"] = "=HYPERLINK(\"http://evil.example\",\"x\")"
    priority.loc[1, "district_name"] = "Podil\x01\x0b;@SUM(A1)"
    priority.loc[2, "district_name_uk"] = "\u200b+1"
    prov = export.provenance_of(ranked)
    prov = dataclasses.replace(prov, inputs={**prov.inputs, "unheated": ("=cmd|' /C calc'!A0.csv", "ab")})
    wb = openpyxl.load_workbook(io.BytesIO(export.xlsx_bytes(priority, prov)))
    ws = wb["priority"]
    for sheet in wb.worksheets:
        assert not [c.coordinate for row in sheet.iter_rows() for c in row if c.data_type == "f"]
    assert provenance(wb["provenance"])[("input", "unheated")][0] == "'=cmd|' /C calc'!A0.csv"
    names = [c.value for c in ws["C"]][1:4]
    assert names[0].startswith("'=HYPERLINK")
    assert names[1] == "Podil\ufffd\ufffd;'@SUM(A1)"  # XML cannot hold C0 controls; formula start neutralised
    assert ws["AD4"].value == "'\u200b+1"


def test_published_manifest_gives_the_same_provenance(ranked):
    manifest = {"heatneed_version": "0.1.0", "data_as_of": "2026-02-01T06:00:00Z",
                "forecast": {"source": "file:forecast.csv", "issued_at": "2026-02-01T00:00:00Z", "stale": True},
                "data_state": ranked.data_state.as_dict(),
                "inputs": {r: {"file": ranked.inputs.files[r], "sha256": ranked.inputs.hashes[r]}
                           for r in ("districts", "unheated", "outages", "forecast")},
                "params": dataclasses.asdict(ranked.params)}
    published, here = export.provenance_of_published(manifest), export.provenance_of(ranked)
    assert export.settings_digest(published) == export.settings_digest(here)
    assert export.provenance_rows(published) == export.provenance_rows(here)


# --------------------------------------------------------------------------- CSV for Excel (Ukrainian)

def test_excel_uk_csv_parses_back_to_the_same_numbers(ranked):
    data = export.excel_uk_bytes(ranked.priority)
    assert data.startswith(b"\xef\xbb\xbf")
    header = data.decode("utf-8-sig").splitlines()[0]
    assert header.startswith("Місце;Код району;Район (латиницею);Код області;Ризик 0–10;")
    back = pd.read_csv(io.BytesIO(data), sep=";", decimal=",", encoding="utf-8-sig")
    plain = read_priority_csv(export.priority_bytes(ranked.priority))
    assert len(back.columns) == len(plain.columns) == len(set(back.columns))  # one Ukrainian header each
    back.columns = plain.columns
    for col in columns.PRIORITY:
        if col.dtype != "str":
            assert back[col.name].dtype.kind in "if", col.name
            np.testing.assert_array_equal(back[col.name].astype(float), plain[col.name].astype(float), col.name)
    row = back.set_index("district_code").loc[DESNIANSKYI]
    assert row["severity_label"] == "≥10\u00a0000 мешканців імовірно опиняться нижче 5 °C протягом 24 год"
    assert (row["outage_status"], row["main_driver"], row["completeness"]) == ("аварійні", "кількість людей", "повні")
    assert row["data_state"] == ("вбудовані (ілюстративні): реєстр районів, будинки без тепла, знеструмлення, "
                                 "прогноз; застарілі")
    assert (row["district_name"], row["district_name_uk"]) == ("Desnianskyi", "Деснянський")
    line = data.decode("utf-8-sig").splitlines()[1]
    assert ";-28,2;-38,1;-14,2;" in line and ";27601;" in line  # decimal comma, no thousands separator


def test_plain_csv_is_unchanged_by_the_excel_options(ranked):
    assert export.export_bytes(ranked, "csv") == (GOLDEN / "priority.csv").read_bytes()


@settings(max_examples=40, deadline=None)
@given(st.lists(st.tuples(st.one_of(st.floats(-60, 60), st.just(float("nan"))), st.integers(0, 10**9),
                          st.text(alphabet=st.sampled_from("ab;,\"=\n -+Їі"), max_size=8)),
                min_size=1, max_size=12))
def test_semicolon_decimal_comma_csv_round_trips(rows):
    frame = pd.DataFrame({"t": [round(r[0], 1) for r in rows], "n": pd.array([r[1] for r in rows], dtype="Int64"),
                          "s": [r[2] for r in rows]})
    data = export.to_csv_bytes(frame, sep=";", decimal=",")
    back = pd.read_csv(io.BytesIO(data), sep=";", decimal=",", keep_default_na=False, na_values=[""],
                       dtype={"s": str})
    assert len(back) == len(frame)
    np.testing.assert_array_equal(back["t"].astype(float), frame["t"].astype(float))
    assert list(back["n"]) == list(frame["n"])
    assert [("" if isinstance(v, float) and math.isnan(v) else v) for v in back["s"]] == list(frame["s"])


# --------------------------------------------------------------------------- file names and digests

@pytest.mark.parametrize(("issued", "kind", "name"), [
    ("2026-02-01T00:00:00Z", "xlsx", "heatneed-priority_2026-02-01T0000Z_0123abcd.xlsx"),
    ("2026-02-01T06:00:00+02:00", "hxl", "heatneed-priority_2026-02-01T0400Z_0123abcd_hxl.csv"),
    ("2026-02-01 06:00", "excel-uk", "heatneed-priority_2026-02-01T0600Z_0123abcd_uk.csv"),
    ("", "csv", "heatneed-priority_unknown-issue-time_0123abcd.csv"),
    ("../../x", "parquet", "heatneed-priority_unknown-issue-time_0123abcd.parquet"),
])
def test_export_file_name(issued, kind, name):
    assert export.export_file_name(issued, "0123abcd", kind) == name


def test_digest_changes_with_settings_inputs_and_edits_only(ranked):
    here = export.provenance_of(ranked)
    digest = export.settings_digest(here)
    assert len(digest) == export.NAME_DIGEST_CHARS and int(digest, 16) >= 0
    assert export.settings_digest(export.provenance_of(ranked)) == digest
    assert export.settings_digest(dataclasses.replace(here, forecast_source="x", data_state="real")) == digest
    edit = export.Edit(DESNIANSKYI, "residents", None, 5000)
    other = {export.settings_digest(dataclasses.replace(here, edits=(edit,))),
             export.settings_digest(dataclasses.replace(here, edits=(dataclasses.replace(edit, after=5001),))),
             export.settings_digest(dataclasses.replace(here, params={**here.params, "tau_hours": 52.0})),
             export.settings_digest(dataclasses.replace(here, inputs={**here.inputs, "unheated": ("u.csv", "ab")}))}
    assert len(other) == 4 and digest not in other


def test_edit_log_lists_changed_cells_only():
    before = pd.DataFrame({"unheated_buildings": [120.0, np.nan, 3.0], "outage_status": ["emergency", None, "none"]},
                          index=["A", "B", "C"])
    after = before.copy()
    after.loc["A", "unheated_buildings"] = 150.0
    after.loc["B", "outage_status"] = "scheduled"
    assert export.edit_log(before, after) == (export.Edit("A", "unheated_buildings", 120, 150),
                                              export.Edit("B", "outage_status", None, "scheduled"))
    assert export.edit_log(before, before.copy()) == ()


# --------------------------------------------------------------------------- command line (in process)

def test_rank_out_xlsx_and_excel_uk(ranked, tmp_path, capsys):
    assert cli.main(["rank", "--out", str(tmp_path / "list.xlsx")]) == 0
    assert (tmp_path / "list.xlsx").read_bytes() == export.export_bytes(ranked, "xlsx")
    assert cli.main(["rank", "--excel-uk", "--out", str(tmp_path / "{name}.csv")]) == 0
    digest = export.settings_digest(export.provenance_of(ranked))
    named = tmp_path / f"heatneed-priority_2026-02-01T0000Z_{digest}_uk.csv"
    assert named.read_bytes() == export.excel_uk_bytes(ranked.priority)
    assert cli.main(["rank", "--out", str(tmp_path / "{name}.xlsx")]) == 0
    assert (tmp_path / export.export_file_name("2026-02-01T00:00:00Z", digest, "xlsx")).exists()
    capsys.readouterr()


@pytest.mark.parametrize(("args", "message"), [
    (["--out", "list.xlsx", "--hxl"], "--hxl needs a .csv output"),
    (["--out", "list.xlsx", "--excel-uk"], "--excel-uk needs a .csv output and no --hxl"),
    (["--out", "list.csv", "--excel-uk", "--hxl"], "--excel-uk needs a .csv output and no --hxl"),
    (["--out", "list.xls"], "list.xls, column --out: output must end in .csv, .parquet or .xlsx"),
])
def test_rank_refuses_wrong_output_combinations(tmp_path, capsys, args, message):
    args = [str(tmp_path / a) if a.startswith("list") else a for a in args]
    assert cli.main(["rank", *args]) == 2
    assert message in capsys.readouterr().err
    assert not list(tmp_path.iterdir())


def test_every_column_has_a_translated_export_header():
    from heatneed import i18n

    for lang in ("en", "uk"):
        headers = [i18n.catalogue(lang)["messages"].get(c.export_label) for c in columns.PRIORITY]
        assert None not in headers and len(set(headers)) == len(headers), lang


@pytest.mark.parametrize("issued", ["", None])
def test_xlsx_without_an_issue_time_is_dated_1980(ranked, issued):
    prov = dataclasses.replace(export.provenance_of(ranked), forecast_issued_at=issued)
    data = export.xlsx_bytes(ranked.priority, prov)
    with zipfile.ZipFile(io.BytesIO(data)) as archive:
        assert {info.date_time for info in archive.infolist()} == {(1980, 1, 1, 0, 0, 0)}
