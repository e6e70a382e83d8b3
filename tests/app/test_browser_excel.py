"""Excel out in a real browser (Debian chromium via Playwright): the XLSX download, made on click
by Streamlit's deferred download, reopens with openpyxl with its list and provenance sheets."""

from __future__ import annotations

import re

import openpyxl
import pytest

from heatneed import cli
from heatneed.columns import PRIORITY_COLUMNS

pytestmark = pytest.mark.browser


def test_xlsx_download_reopens_with_list_and_provenance(page, tmp_path, capsys):
    with page.expect_download(timeout=60_000) as info:
        page.get_by_role("button", name="Download as Excel workbook (XLSX)").click()
    download = info.value
    assert re.fullmatch(r"heatneed-priority_2026-02-01T0000Z_[0-9a-f]{8}\.xlsx", download.suggested_filename)
    path = tmp_path / download.suggested_filename
    download.save_as(path)
    wb = openpyxl.load_workbook(path)
    assert wb.sheetnames == ["priority", "provenance"]
    rows = list(wb["priority"].iter_rows(values_only=True))
    assert list(rows[0]) == PRIORITY_COLUMNS and len(rows) == 11
    first = dict(zip(rows[0], rows[1]))
    assert (first["rank"], first["district_name"], first["district_name_uk"]) == (1, "Desnianskyi", "Деснянський")
    assert isinstance(first["min_temp_c"], float) and first["residents_unheated"] == 27601
    provenance = {(r[0], r[1]): r[2] for r in wb["provenance"].iter_rows(values_only=True)}
    assert provenance[("forecast", "issued_at")] == "2026-02-01T00:00:00Z"
    assert provenance[("data", "illustrative")] == "yes" and provenance[("setting", "tau_hours")] == 51
    # the same file as the command line's, under the same name
    assert cli.main(["rank", "--out", str(tmp_path / "cli" / "{name}.xlsx")]) == 0
    assert (tmp_path / "cli" / download.suggested_filename).read_bytes() == path.read_bytes()
    capsys.readouterr()
