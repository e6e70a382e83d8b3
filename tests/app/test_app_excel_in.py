"""Excel in, in the app (AppTest): templates and column lists next to every uploader, .xlsx everywhere."""

from __future__ import annotations

import io

from appcheck import downloaded, shown
from openpyxl import load_workbook

from heatneed import app_support as support
from heatneed import i18n, templates

UPLOADERS = (*support.UPLOAD_ROLES, "readings", "outdoor")


def test_every_uploader_takes_excel_and_offers_its_templates(app):
    at = app()
    for role in UPLOADERS:
        types = at.file_uploader(key=f"upload_{role}").proto.type
        assert {".xlsx", ".xls", ".ods", ".csv"} <= set(types), (role, types)
        for fmt in templates.FORMATS:
            got = downloaded(at, f"template_{role}_{fmt}")
            assert got.content == templates.shipped(role, "en", fmt)
    lists = [shown(m.value) for e in at.expander for m in e.markdown]
    assert "Required columns: district_code, reported_at, unheated_buildings" in lists
    assert "Optional columns: residents, unheated_since" in lists


def test_in_ukrainian_the_columns_and_templates_are_ukrainian(app):
    at = app()
    at.radio(key="lang").set_value("uk").run()
    lists = [shown(m.value) for e in at.expander for m in e.markdown]
    assert ("Обов'язкові стовпці: код району (district_code), дата звіту (reported_at), "
            "кількість неопалюваних будинків (unheated_buildings)") in lists
    got = downloaded(at, "template_outages_xlsx")
    assert got.content == templates.shipped("outages", "uk", "xlsx")
    sheet = load_workbook(io.BytesIO(got.content)).active
    assert [c.value for c in sheet[1]] == ["код району", "статус відключення", "дата звіту", "годин без світла на добу"]
    assert sheet["B2"].value == "за графіком"


def test_no_message_points_users_at_documents_they_cannot_open():
    for lang in i18n.LANGUAGES:
        for key, text in i18n.catalogue(lang)["messages"].items():
            assert "DESIGN" not in text and "§" not in text, (lang, key)


def test_a_ukrainian_workbook_upload_is_taken(app):
    from openpyxl import Workbook

    book = Workbook()
    book.active.append(["Код району", "Статус відключення", "Годин без світла на добу", "Дата звіту"])
    book.active.append(["UA80000000000126643", "аварійне", 24, "01.02.2026 06:00"])
    data = io.BytesIO()
    book.save(data)
    at = app()
    before = downloaded(at, "download_csv").content
    at.file_uploader(key="upload_outages").set_value(
        ("знеструмлення.xlsx", data.getvalue(), "application/octet-stream")).run()
    assert not at.exception and not at.error, [e.value for e in at.error]
    assert any("In use: знеструмлення.xlsx" in shown(c.value) for c in at.caption)
    assert downloaded(at, "download_csv").content != before
