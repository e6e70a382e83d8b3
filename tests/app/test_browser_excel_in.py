"""Excel in, in a real browser: an .xlsx with Ukrainian headers and day.month.year dates changes the list."""

from __future__ import annotations

import io

import pytest
from appcheck import open_tab, wait_idle
from openpyxl import Workbook

pytestmark = pytest.mark.browser

PECHERSKYI = "UA80000000000624772"


def ukrainian_workbook() -> bytes:
    """Unheated reports as Excel in a Ukrainian locale saves them: only Pecherskyi reports, 400 buildings."""
    book = Workbook()
    sheet = book.active
    sheet.title = "Звіт"
    sheet.append(["Код району", "Дата звіту", "Кількість неопалюваних будинків", "Кількість мешканців",
                  "Без опалення з"])
    sheet.append([PECHERSKYI, "01.02.2026 06:00", 400.0, 92000, "31.01.2026"])
    buffer = io.BytesIO()
    book.save(buffer)
    return buffer.getvalue()


def first_rows(page, n: int = 3) -> list[str]:
    """District names of the first ``n`` rows of the visible priority table (the grid's a11y cells)."""
    grid = page.locator("[data-testid='stDataFrame']").first
    grid.locator("[role='gridcell']").first.wait_for(state="attached", timeout=60_000)  # the a11y table
    rows = grid.locator("[role='row']")
    names = []
    for i in range(1, rows.count()):
        cells = rows.nth(i).locator("[role='gridcell']")
        if cells.count() > 1:
            names.append(cells.nth(1).text_content())
        if len(names) == n:
            break
    return names


def test_a_ukrainian_xlsx_upload_changes_the_ranking(page):
    before = first_rows(page)
    assert before[0] == "Desnianskyi"
    open_tab(page, "Inputs")
    page.locator("[data-testid='stFileUploaderDropzoneInput']").first.set_input_files(files=[{
        "name": "звіт_01.02.xlsx", "buffer": ukrainian_workbook(),
        "mimeType": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"}])
    page.get_by_text("In use: звіт_01.02.xlsx").first.wait_for(timeout=90_000)
    wait_idle(page)
    assert page.get_by_text("was not used").count() == 0
    open_tab(page, "Priority list")
    page.get_by_text("Pecherskyi").first.wait_for(timeout=60_000)
    after = first_rows(page)
    assert after[0] == "Pecherskyi" and after != before
