"""The one spreadsheet reader (heatneed/sheets.py through inputs.read_table): workbooks, Ukrainian
header aliases, day.month.year dates, Ukrainian outage statuses and whole numbers from Excel."""

import datetime as dt
import io
import time
import zipfile

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from openpyxl import Workbook

from heatneed import limits, pipeline
from heatneed.errors import InputError
from heatneed.inputs import SPEC, load_reports, parse_table, read_table, to_times
from heatneed.sheets import ALIASES, STATUS_ALIASES, canonical_headers, normalise_header

U_UK = ["код району", "дата звіту", "кількість неопалюваних будинків"]


def book(*rows, setup=None) -> bytes:
    wb = Workbook()
    for row in rows:
        wb.active.append(list(row))
    if setup:
        setup(wb)
    buffer = io.BytesIO()
    wb.save(buffer)
    return buffer.getvalue()


def problems(call) -> list[str]:
    with pytest.raises(InputError) as caught:
        call()
    return caught.value.problems


@pytest.fixture(scope="module")
def registry():
    return pipeline.load_inputs().districts


@pytest.fixture(scope="module")
def codes(registry):
    return list(registry.index)


# --------------------------------------------------------------------------- aliases

def test_every_alias_names_one_column_and_every_input_column_has_one():
    seen = {}
    for column, aliases in ALIASES.items():
        for alias in aliases:
            key = normalise_header(alias)
            assert key not in seen, f"{alias!r} names {seen.get(key)} and {column}"
            assert key not in ALIASES, f"{alias!r} is another column's own name"
            seen[key] = column
    from heatneed.schedules import TABLE_COLUMNS
    from heatneed.sources.tidy import COLUMNS
    every = {c for spec in SPEC.values() for c in spec} | set(COLUMNS) | set(TABLE_COLUMNS)
    assert every <= set(ALIASES), every - set(ALIASES)


def test_headers_match_whatever_the_case_spacing_and_apostrophe():
    columns, written = canonical_headers(["  КОД   Району ", "Дата звіту", "код об’єкта", "Population"], "f.csv")
    assert columns == ["district_code", "reported_at", "site_id", "population"]
    assert written["district_code"] == "КОД   Району"


def test_an_alias_clashing_with_its_column_is_one_error_naming_both():
    assert problems(lambda: canonical_headers(["district_code", "Код району", "population"], "f.csv")) == [
        "f.csv, row 1, column Код району: 'district_code' and 'Код району' both mean district_code; keep one"]


def test_problems_name_the_column_as_written_in_the_file(registry, codes):
    data = book(U_UK, [codes[0], "01.02.2026", -4], [codes[1], "01.02.2026", 3.5])
    assert problems(lambda: load_reports(data, "unheated", registry, "u.xlsx")) == [
        "u.xlsx, row 2, column кількість неопалюваних будинків (unheated_buildings): must be ≥ 0 (got -4.0)",
        "u.xlsx, row 3, column кількість неопалюваних будинків (unheated_buildings): must be a whole number (got 3.5)"]


def test_a_missing_column_is_named_with_its_ukrainian_header(registry, codes):
    data = book(U_UK[:2], [codes[0], "01.02.2026"])
    assert problems(lambda: load_reports(data, "unheated", registry, "u.xlsx")) == [
        "u.xlsx, column unheated_buildings: required column is missing (in Ukrainian: "
        "'кількість неопалюваних будинків')"]


def test_ukrainian_outage_statuses(registry, codes):
    data = book(["код району", "статус відключення", "годин без світла на добу", "дата звіту"],
                *[[c, s, 6 if STATUS_ALIASES[s.lower()] == "scheduled" else None, "01.02.2026 06:00"]
                  for c, s in zip(codes, ["Аварійне", "за графіком", "немає", "Екстрене", "планове"])])
    got = load_reports(data, "outages", registry, "o.xlsx")
    assert got.loc[codes[:5], "status"].tolist() == ["emergency", "scheduled", "none", "emergency", "scheduled"]
    assert problems(lambda: load_reports(book(["код району", "статус", "дата звіту"], [codes[0], "можливо", "01.02.2026"]),
                                         "outages", registry, "o.xlsx")) == [
        "o.xlsx, row 2, column статус (status): must be one of none, scheduled, emergency (got 'можливо')"]


# --------------------------------------------------------------------------- dates

@settings(max_examples=50, deadline=None)
@given(st.datetimes(min_value=dt.datetime(1900, 1, 1), max_value=dt.datetime(2200, 12, 31)).map(
    lambda d: d.replace(microsecond=0)), st.sampled_from(["%d.%m.%Y %H:%M:%S", "dmy-short", "%d.%m.%Y"]))
def test_day_month_year_reads_as_the_iso_date(when, form):
    if form == "dmy-short":  # 1.2.2026 6:05 — no leading zeros
        when = when.replace(second=0)
        text = f"{when.day}.{when.month}.{when.year} {when.hour}:{when.minute:02d}"
    else:
        when = when if "%H" in form else when.replace(hour=0, minute=0, second=0)
        text = when.strftime(form)
    got = to_times(pd.Series([text]))
    assert got.iloc[0] == pd.Timestamp(when, tz="UTC")  # no offset: UTC, as every time column
    assert got.iloc[0] == to_times(pd.Series([when.isoformat()])).iloc[0]


@settings(max_examples=25, deadline=None)
@given(st.integers(1, 12), st.integers(1, 12), st.sampled_from(["/", "-"]), st.sampled_from(["2026", "26"]))
def test_ambiguous_forms_are_never_guessed(a, b, sep, year):
    text = f"{a:02d}{sep}{b:02d}{sep}{year}"
    assert to_times(pd.Series([text])).isna().all()
    table = read_table(f"district_code,reported_at,unheated_buildings\nX,{text},3\n".encode(), "u.csv")
    _, found = parse_table(table, "unheated")
    assert found == [f"u.csv, row 2, column reported_at: is ambiguous or has a two-digit year; write an ISO 8601 "
                     f"date or date-time (2026-02-01, 2026-02-01T06:00Z) or day.month.year (01.02.2026, "
                     f"01.02.2026 06:00) (got '{text}')"]


@pytest.mark.parametrize("text", ["31.02.2026", "01.13.2026", "01.02.2026 24:00", "01.02.2026 6"])
def test_impossible_dotted_dates_are_refused(text):
    assert to_times(pd.Series([text])).isna().all()


# --------------------------------------------------------------------------- workbooks

def test_a_workbook_with_real_cells_ranks_like_the_csv_with_text(registry, codes):
    """Date cells, number cells with binary noise or typed as 12.0, and Ukrainian text dates."""
    csv = ("district_code,reported_at,unheated_buildings\n"
           f"{codes[0]},2026-02-01T06:00:00Z,300\n{codes[1]},2026-02-01T06:00:00Z,12\n"
           f"{codes[2]},2026-02-01,7\n").encode()
    xlsx = book(U_UK, [codes[0], "01.02.2026 6:00", 300.00000000000006], [codes[1], dt.datetime(2026, 2, 1, 6), 12.0],
                [codes[2], dt.date(2026, 2, 1), 7])
    a, b = load_reports(csv, "unheated", registry, "u.csv"), load_reports(xlsx, "unheated", registry, "u.xlsx")
    pd.testing.assert_frame_equal(a, b)
    assert b.loc[codes[:3], "unheated_buildings"].tolist() == [300.0, 12.0, 7.0]  # snapped to the whole number


@pytest.mark.parametrize("value", [12.001, 12.5, 1e-300, 0.4])
def test_noise_beyond_the_tolerance_is_not_a_whole_number(registry, codes, value):
    data = book(U_UK, [codes[0], "01.02.2026", value])
    assert problems(lambda: load_reports(data, "unheated", registry, "u.xlsx"))[0].endswith(
        f"must be a whole number (got {value!r})")


@settings(max_examples=40, deadline=None)
@given(st.integers(1, 10**7), st.floats(-1e-10, 1e-10))
def test_whole_numbers_with_binary_noise_are_snapped(n, noise):
    from heatneed.inputs import snap_whole

    got = snap_whole(pd.Series([n * (1 + noise), n + 0.5]))
    assert got.iloc[0] == n and got.iloc[1] == n + 0.5


def test_rows_are_numbered_as_excel_shows_them_with_blank_rows_and_a_header_lower_down(registry, codes):
    data = book(U_UK, [codes[0], "01.02.2026", 3], [], [None, None, None], [codes[1], "01.02.2026", "багато"])
    assert problems(lambda: load_reports(data, "unheated", registry, "u.xlsx")) == [
        "u.xlsx, row 5, column кількість неопалюваних будинків (unheated_buildings): must be a number (got 'багато')"]
    titled = book(["Звіт за 1 лютого"], [], U_UK, [codes[0], "01.02.2026", 3],
                  setup=lambda wb: wb.active.merge_cells("A1:C1"))
    assert problems(lambda: load_reports(titled, "unheated", registry, "u.xlsx")) == [
        "u.xlsx: the column names are in row 3; the header must be the first row (delete the title rows above it)"]


def test_the_first_visible_sheet_is_read(registry, codes):
    def sheets(wb):
        wb.active.sheet_state = "hidden"
        wb.create_sheet("звіт").append(U_UK)
        wb["звіт"].append([codes[0], "01.02.2026", 5])
        wb.create_sheet("інше").append(["щось", "інше"])

    got = load_reports(book(["примітки"], setup=sheets), "unheated", registry, "u.xlsx")
    assert got["unheated_buildings"].tolist() == [5.0]


def test_formulas_give_their_cached_values(registry, codes):
    """calamine reads the value Excel saved with the formula (here written into the XML as Excel does)."""
    data = book(U_UK, [codes[0], "01.02.2026", 0])
    out = io.BytesIO()
    with zipfile.ZipFile(io.BytesIO(data)) as src, zipfile.ZipFile(out, "w") as dst:
        for info in src.infolist():
            content = src.read(info.filename)
            if info.filename == "xl/worksheets/sheet1.xml":
                content = content.replace(b'<c r="C2" t="n"><v>0</v></c>', b'<c r="C2"><f>2*6</f><v>12</v></c>')
                assert b"<f>2*6</f>" in content
            dst.writestr(info, content)
    assert load_reports(out.getvalue(), "unheated", registry, "u.xlsx")["unheated_buildings"].tolist() == [12.0]


def test_styled_empty_cells_far_away_are_ignored(registry, codes):
    def styled(wb):
        for r in range(3, 200):
            wb.active.cell(row=r, column=30).number_format = "0.00"

    got = load_reports(book(U_UK, [codes[0], "01.02.2026", 4], setup=styled), "unheated", registry, "u.xlsx")
    assert got["unheated_buildings"].tolist() == [4.0]


@pytest.mark.parametrize("data,message", [
    (book(), "u.xlsx: the first sheet ('Sheet') is empty"),
    (book(U_UK), "u.xlsx: has a header but no data rows"),
    (b"PK\x03\x04" + b"\x00" * 100, "u.xlsx: not a readable Excel workbook (.xlsx, .xls or .ods; "),
    (book(U_UK, ["A", "01.02.2026", 1])[:900], "u.xlsx: not a readable Excel workbook"),
    (b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\x00" * 512, "u.xlsx: not a readable Excel workbook"),
])
def test_broken_workbooks_are_one_clear_line(registry, data, message):
    found = problems(lambda: load_reports(data, "unheated", registry, "u.xlsx"))
    assert len(found) == 1 and found[0].startswith(message), found


def test_a_sheet_beyond_the_row_limit_is_refused_before_reading(registry, codes):
    data = book(U_UK, *[[codes[0], "01.02.2026", i] for i in range(10)])
    with limits.applied({"inputs": {"max_table_rows": 5}}):
        assert problems(lambda: load_reports(data, "unheated", registry, "u.xlsx")) == [
            "u.xlsx: sheet 'Sheet' has 11 rows; at most 5 are read ([inputs] max_table_rows)"]


def _raw_xlsx(rows: list[list]) -> bytes:
    """A minimal .xlsx written directly (openpyxl takes ~10 s for 100,000 rows)."""
    def cell(v):
        return f'<c t="inlineStr"><is><t>{v}</t></is></c>' if isinstance(v, str) else f"<c><v>{v}</v></c>"
    body = "".join(f"<row>{''.join(cell(v) for v in r)}</row>" for r in rows)
    ns = 'xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main"'
    rel = "http://schemas.openxmlformats.org/officeDocument/2006/relationships"
    parts = {
        "[Content_Types].xml": '<?xml version="1.0"?><Types xmlns="http://schemas.openxmlformats.org/package/2006/'
        'content-types"><Default Extension="rels" ContentType="application/vnd.openxmlformats-package.'
        'relationships+xml"/><Default Extension="xml" ContentType="application/xml"/><Override PartName="/xl/'
        'workbook.xml" ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet.main+xml"/>'
        '<Override PartName="/xl/worksheets/sheet1.xml" ContentType="application/vnd.openxmlformats-'
        'officedocument.spreadsheetml.worksheet+xml"/></Types>',
        "_rels/.rels": f'<?xml version="1.0"?><Relationships xmlns="http://schemas.openxmlformats.org/package/2006/'
        f'relationships"><Relationship Id="rId1" Type="{rel}/officeDocument" Target="xl/workbook.xml"/>'
        '</Relationships>',
        "xl/workbook.xml": f'<?xml version="1.0"?><workbook {ns} xmlns:r="{rel}"><sheets><sheet name="u" '
        'sheetId="1" r:id="rId1"/></sheets></workbook>',
        "xl/_rels/workbook.xml.rels": '<?xml version="1.0"?><Relationships xmlns="http://schemas.openxmlformats.org/'
        f'package/2006/relationships"><Relationship Id="rId1" Type="{rel}/worksheet" '
        'Target="worksheets/sheet1.xml"/></Relationships>',
        "xl/worksheets/sheet1.xml": f'<?xml version="1.0"?><worksheet {ns}><sheetData>{body}</sheetData></worksheet>',
    }
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as z:
        for name, text in parts.items():
            z.writestr(name, text)
    return out.getvalue()


def test_100k_rows_are_read_with_the_right_row_numbers(registry, codes):
    rows = [U_UK] + [[codes[i % 10], "01.02.2026", i % 50] for i in range(100_000)]
    rows[77_777][2] = "x"  # Excel row 77,778
    data = _raw_xlsx(rows)
    start = time.perf_counter()
    found = problems(lambda: load_reports(data, "unheated", registry, "big.xlsx"))
    seconds = time.perf_counter() - start
    assert found == ["big.xlsx, row 77778, column кількість неопалюваних будинків (unheated_buildings): "
                     "must be a number (got 'x')"]
    assert seconds < 20, seconds  # ~2 s on a loaded 2-core machine


def test_validate_recognises_a_ukrainian_workbook_and_rank_reads_xlsx_like_csv(tmp_path, capsys, codes):
    """CLI: the same priority list from .xlsx inputs (Ukrainian headers, dotted dates) as from the CSVs."""
    from heatneed import cli
    from heatneed.inputs import EMBEDDED_SCENARIO

    scenario = EMBEDDED_SCENARIO
    files = {}
    for role in ("unheated", "outages"):
        frame = pd.read_csv(scenario / f"{role}.csv", dtype=str, keep_default_na=False)
        wb = Workbook()
        wb.active.append([ALIASES[c][0] for c in frame.columns])
        for row in frame.itertuples(index=False):
            cells = []
            for column, value in zip(frame.columns, row):
                if column in ("reported_at", "unheated_since") and value:
                    when = pd.Timestamp(value)
                    when = when.tz_convert("UTC").tz_localize(None) if when.tzinfo else when
                    cells.append(when.strftime("%d.%m.%Y %H:%M") if len(cells) % 2 else when.to_pydatetime())
                elif column in ("unheated_buildings", "hours_off_per_day") and value:
                    cells.append(float(value))
                elif column == "status":
                    cells.append({"none": "немає", "scheduled": "за графіком", "emergency": "аварійне"}[value])
                else:
                    cells.append(value or None)
            wb.active.append(cells)
        files[role] = tmp_path / f"{role}.xlsx"
        wb.save(files[role])
    assert cli.main(["validate", str(files["unheated"]), str(files["outages"])]) == 0
    out = capsys.readouterr().out
    assert "unheated.xlsx: OK (unheated)" in out and "outages.xlsx: OK (outages)" in out
    assert cli.main(["rank", "--unheated", str(files["unheated"]), "--outages", str(files["outages"]),
                     "--out", str(tmp_path / "x.csv")]) == 0
    assert cli.main(["rank", "--out", str(tmp_path / "c.csv")]) == 0
    a, b = pd.read_csv(tmp_path / "c.csv"), pd.read_csv(tmp_path / "x.csv")
    assert a["district_code"].tolist() == b["district_code"].tolist()
    numeric = a.select_dtypes("number").columns
    np.testing.assert_allclose(a[numeric].to_numpy(float), b[numeric].to_numpy(float), rtol=0, atol=1e-9)


def test_a_broken_workbook_on_the_command_line_is_exit_2_with_one_line(tmp_path, capsys):
    from heatneed import cli

    bad = tmp_path / "unheated.xlsx"
    bad.write_bytes(b"PK\x03\x04" + b"\x00" * 100)
    out = tmp_path / "p.csv"
    out.write_text("last good\n")
    assert cli.main(["rank", "--unheated", str(bad), "--out", str(out)]) == 2
    err = capsys.readouterr().err.strip().splitlines()
    assert err == ["heatneed: error: unheated.xlsx: not a readable Excel workbook (.xlsx, .xls or .ods; "
                   "CalamineError): open it in Excel and save it again as .xlsx"]
    assert out.read_text() == "last good\n"


def test_a_scenario_folder_may_hold_workbooks(tmp_path):
    from heatneed.inputs import EMBEDDED_SCENARIO

    for role in ("districts", "outages"):
        (tmp_path / f"{role}.csv").write_bytes((EMBEDDED_SCENARIO / f"{role}.csv").read_bytes())
    (tmp_path / "forecast.csv").write_bytes((EMBEDDED_SCENARIO / "forecast.csv").read_bytes())
    frame = pd.read_csv(EMBEDDED_SCENARIO / "unheated.csv", dtype=str, keep_default_na=False)
    frame.to_excel(tmp_path / "unheated.xlsx", index=False, engine="openpyxl")
    files = pipeline.scenario_files(tmp_path)
    assert files["unheated"].name == "unheated.xlsx"
    (tmp_path / "unheated.csv").write_bytes(b"x")
    assert "keep one" in problems(lambda: pipeline.scenario_files(tmp_path))[0]


def test_the_readme_documents_every_alias():
    from pathlib import Path

    readme = (Path(__file__).resolve().parents[1] / "README.md").read_text(encoding="utf-8")
    for column, aliases in ALIASES.items():
        assert f"| `{column}` | " + ", ".join(f"`{a}`" for a in aliases) + " |" in readme, column
    for alias in STATUS_ALIASES:
        assert f"`{alias}`" in readme


def _ods(rows: list[list]) -> bytes:
    """A minimal OpenDocument spreadsheet (as LibreOffice saves it: string, float and date cells)."""
    def cell(v):
        if isinstance(v, dt.datetime):
            return (f'<table:table-cell office:value-type="date" office:date-value="{v.isoformat()}">'
                    f"<text:p>{v:%d.%m.%Y %H:%M}</text:p></table:table-cell>")
        if isinstance(v, (int, float)):
            return f'<table:table-cell office:value-type="float" office:value="{v!r}"><text:p>{v}</text:p></table:table-cell>'
        return f'<table:table-cell office:value-type="string"><text:p>{v}</text:p></table:table-cell>'
    body = "".join(f"<table:table-row>{''.join(cell(v) for v in r)}</table:table-row>" for r in rows)
    content = ('<?xml version="1.0" encoding="UTF-8"?><office:document-content '
               'xmlns:office="urn:oasis:names:tc:opendocument:xmlns:office:1.0" '
               'xmlns:table="urn:oasis:names:tc:opendocument:xmlns:table:1.0" '
               'xmlns:text="urn:oasis:names:tc:opendocument:xmlns:text:1.0" office:version="1.2">'
               f'<office:body><office:spreadsheet><table:table table:name="Аркуш1">{body}</table:table>'
               "</office:spreadsheet></office:body></office:document-content>")
    manifest = ('<?xml version="1.0" encoding="UTF-8"?><manifest:manifest '
                'xmlns:manifest="urn:oasis:names:tc:opendocument:xmlns:manifest:1.0" manifest:version="1.2">'
                '<manifest:file-entry manifest:full-path="/" '
                'manifest:media-type="application/vnd.oasis.opendocument.spreadsheet"/>'
                '<manifest:file-entry manifest:full-path="content.xml" manifest:media-type="text/xml"/>'
                "</manifest:manifest>")
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w") as z:
        z.writestr("mimetype", "application/vnd.oasis.opendocument.spreadsheet", compress_type=zipfile.ZIP_STORED)
        z.writestr("META-INF/manifest.xml", manifest, compress_type=zipfile.ZIP_DEFLATED)
        z.writestr("content.xml", content, compress_type=zipfile.ZIP_DEFLATED)
    return out.getvalue()


def test_an_opendocument_spreadsheet_reads_like_the_xlsx(registry, codes):
    rows = [U_UK, [codes[0], dt.datetime(2026, 2, 1, 6), 40.0], [codes[1], "01.02.2026 06:00", 7]]
    ods = load_reports(_ods(rows), "unheated", registry, "u.ods")
    xlsx = load_reports(book(*rows), "unheated", registry, "u.xlsx")
    pd.testing.assert_frame_equal(ods, xlsx)
    assert ods.loc[codes[:2], "unheated_buildings"].tolist() == [40.0, 7.0]
    bad = _ods([U_UK, [codes[0], "01.02.2026", "x"]])
    assert problems(lambda: load_reports(bad, "unheated", registry, "u.ods")) == [
        "u.ods, row 2, column кількість неопалюваних будинків (unheated_buildings): must be a number (got 'x')"]
