"""An .xlsx worksheet's XML is checked before its cells are built (``sheets.xlsx_sheet_problems``):
a used range beyond the limits is refused without allocating it, Excel error cells and formulas
without a saved value are refused with file, row and column instead of reading as empty cells."""

from __future__ import annotations

import io
import time

import openpyxl
import pytest

from heatneed import pipeline
from heatneed.errors import InputError
from heatneed.inputs import read_table


def workbook(rows) -> bytes:
    wb = openpyxl.Workbook()
    ws = wb.active
    for row in rows:
        ws.append(row)
    out = io.BytesIO()
    wb.save(out)
    return out.getvalue()


UNHEATED = [["district_code", "reported_at", "unheated_buildings", "residents"],
            ["UA80000000000126643", "2026-02-01T06:00Z", 40, 9000]]


def test_a_tiny_file_spanning_the_whole_sheet_is_refused_before_its_cells_are_built():
    wb = openpyxl.Workbook()
    wb.active["A1"] = "district_code"
    wb.active["XFD1048576"] = "x"  # 5 KB on disk; a dense read would allocate ~550 GB
    out = io.BytesIO()
    wb.save(out)
    start = time.perf_counter()
    with pytest.raises(InputError) as err:
        read_table(out.getvalue(), "huge.xlsx")
    assert time.perf_counter() - start < 5
    assert err.value.problems == ["huge.xlsx: sheet 'Sheet' uses 16,384 columns; at most 1,000 are read "
                                  "([inputs] max_table_columns)"]


def test_rows_times_columns_beyond_the_cell_limit_are_refused():
    wb = openpyxl.Workbook()
    wb.active["A1"] = "district_code"
    wb.active["ALL1000000"] = 1  # 1,000 columns × 1,000,000 rows
    out = io.BytesIO()
    wb.save(out)
    with pytest.raises(InputError, match=r"spans 1,000,000 rows × 1,000 columns; at most 10,000,000 cells"):
        read_table(out.getvalue(), "wide.xlsx")


@pytest.mark.parametrize("cell, message", [("#N/A", "row 2, column D: Excel error #N/A in the cell"),
                                           ("#DIV/0!", "row 2, column D: Excel error #DIV/0! in the cell"),
                                           ("=B2*230", "row 2, column D: a formula without a saved value")])
def test_error_cells_and_unsaved_formulas_are_refused_not_read_as_empty(cell, message):
    rows = [UNHEATED[0], UNHEATED[1][:3] + [cell]]
    with pytest.raises(InputError) as err:
        read_table(workbook(rows), "unheated.xlsx")
    assert len(err.value.problems) == 1 and err.value.problems[0].startswith(f"unheated.xlsx, {message}")


def test_a_plain_workbook_still_reads_and_the_check_is_quick():
    table = read_table(workbook(UNHEATED), "unheated.xlsx")
    assert table.frame.loc[0, "residents"] == "9000"
    big = workbook([UNHEATED[0]] + [[f"UA{i:017d}", "2026-02-01T06:00Z", i % 50, i] for i in range(50_000)])
    start = time.perf_counter()
    from heatneed import sheets

    assert sheets.xlsx_sheet_problems(big, "big.xlsx", "Sheet", 1_048_576, 1000, 10_000_000) == []
    assert time.perf_counter() - start < 10  # about 0.2 s; generous for a loaded machine
    assert len(read_table(big, "big.xlsx").frame) == 50_000


def test_the_embedded_registry_as_a_workbook_ranks_like_the_csv():
    import pandas as pd

    frame = pd.read_csv(pipeline.EMBEDDED_SCENARIO / "districts.csv", dtype=str, keep_default_na=False)
    data = workbook([list(frame.columns)] + frame.values.tolist())
    assert read_table(data, "districts.xlsx").frame["district_code"].tolist() == frame["district_code"].tolist()


def test_every_workbook_and_date_problem_reads_in_ukrainian():
    """Each problem line the Excel reader and the date check write matches a ``[problem]`` template,
    so the Ukrainian interface shows it in Ukrainian (file, row, column and quoted values kept)."""
    from heatneed import i18n, sheets

    lines = [
        "u.xlsx, row 2, column D: Excel error #N/A in the cell (fix the formula or type the value)",
        "u.xlsx, row 3, column D: a formula without a saved value (open the file in Excel and save it, or type the value)",
        "u.xlsx: sheet 'Sheet' has 11 rows; at most 5 are read ([inputs] max_table_rows)",
        "u.xlsx: sheet 'Sheet' uses 16,384 columns; at most 1,000 are read ([inputs] max_table_columns)",
        "u.xlsx: sheet 'S' spans 1,000,000 rows × 1,000 columns; at most 10,000,000 cells are read ([inputs] max_table_cells)",
        "u.xlsx: the first sheet ('Sheet') is empty",
        "u.xlsx: the workbook has no visible worksheet",
        f"u.csv, row 2, column reported_at: {sheets.date_problem('01/02/2026')} (got '01/02/2026')",
        f"u.csv, row 2, column reported_at: {sheets.date_problem('yesterday')} (got 'yesterday')",
        "u.csv, column residents: required column is missing (in Ukrainian: 'мешканців')",
        "u.xlsx: 'код району' and 'district_code' both mean district_code; keep one",
        "u.xlsx: the column names are in row 3; the header must be the first row (delete the title rows above it)",
        "u.xlsx: not a readable Excel workbook (.xlsx, .xls or .ods; BadZipFile): open it in Excel and save it again as .xlsx",
    ]
    for line in lines:
        uk = i18n.problem(line, "uk")
        assert uk != line and not any(word in uk for word in ("must", "sheet", "Excel error", "formula", "column is")), uk
    assert "#N/A" in i18n.problem(lines[0], "uk") and "рядок 2" in i18n.problem(lines[0], "uk")


def test_empty_rows_beyond_the_row_limit_are_refused_from_the_xml():
    from heatneed import sheets

    wb = openpyxl.Workbook()
    wb.active["A1"] = "district_code"
    out = io.BytesIO()
    wb.save(out)
    import zipfile

    source = zipfile.ZipFile(io.BytesIO(out.getvalue()))
    target = io.BytesIO()
    with zipfile.ZipFile(target, "w", zipfile.ZIP_DEFLATED) as z:
        for item in source.infolist():
            data = source.read(item)
            if item.filename == "xl/worksheets/sheet1.xml":
                data = data.replace(b"</sheetData>", b'<row r="2000000"></row></sheetData>')
            z.writestr(item, data)
    assert sheets.xlsx_sheet_problems(target.getvalue(), "rows.xlsx", "Sheet", 1_048_576, 1000, 10_000_000) == [
        "rows.xlsx: sheet 'Sheet' has 2,000,000 rows; at most 1,048,576 are read ([inputs] max_table_rows)"]
