"""Excel out in the app (AppTest on the real ``app.py``): the XLSX and "CSV for Excel (Ukrainian)"
downloads equal ``rank --out`` for the same inputs and settings, and their names change with an edit."""

from __future__ import annotations

import io
import re

import openpyxl
from appcheck import downloaded

from heatneed import cli, pipeline

PECHERSKYI = "UA80000000000624772"
EXCEL_UNHEATED = ("\ufeffdistrict_code;reported_at;unheated_buildings;residents\r\n"
                  f"{PECHERSKYI};2026-02-01;400;92000\r\n").encode("utf-8")
NAME = r"heatneed-priority_2026-02-01T0000Z_(?P<digest>[0-9a-f]{8})"


def deferred(at, key: str):
    """Click a deferred download button as the browser does: (bytes, file name)."""
    file = downloaded(at, key, deferred=True)  # made on click, not on every run
    return file.content, file.filename


def rank_out(tmp_path, name: str, *args) -> bytes:
    out = tmp_path / name
    assert cli.main(["rank", *map(str, args), "--out", str(out)]) == 0
    return out.read_bytes()


def test_xlsx_and_excel_uk_downloads_equal_rank_out(app, tmp_path, capsys):
    at = app()
    assert not at.exception
    xlsx, xlsx_name = deferred(at, "download_xlsx")
    uk, uk_name = deferred(at, "download_excel_uk")
    # the same bytes as the command line's files, which it names the same way
    assert cli.main(["rank", "--out", str(tmp_path / "{name}.xlsx")]) == 0
    assert (tmp_path / xlsx_name).read_bytes() == xlsx
    assert cli.main(["rank", "--excel-uk", "--out", str(tmp_path / "{name}.csv")]) == 0
    assert (tmp_path / uk_name).read_bytes() == uk
    digest = re.fullmatch(NAME + r"\.xlsx", xlsx_name)["digest"]
    assert uk_name == f"heatneed-priority_2026-02-01T0000Z_{digest}_uk.csv"
    assert downloaded(at, "download_csv").filename == f"heatneed-priority_2026-02-01T0000Z_{digest}.csv"
    capsys.readouterr()


def test_downloads_after_upload_and_settings_equal_rank_out(app, tmp_path, capsys):
    at = app()
    at.file_uploader(key="upload_unheated").set_value(("unheated_today.csv", EXCEL_UNHEATED, "text/csv")).run()
    at.number_input(key="set_tau_hours").set_value(50.0).run()
    at.radio(key="lang").set_value("uk").run()  # the language of the page does not change the files
    assert not at.exception and not at.error
    source = tmp_path / "unheated_today.csv"
    source.write_bytes(EXCEL_UNHEATED)
    flags = ("--unheated", source, "--tau-hours", "50")
    xlsx, _ = deferred(at, "download_xlsx")
    assert xlsx == rank_out(tmp_path, "cli.xlsx", *flags)
    assert deferred(at, "download_excel_uk")[0] == rank_out(tmp_path, "cli.csv", "--excel-uk", *flags)
    rows = {(r[0], r[1]): r[2:] for r in openpyxl.load_workbook(io.BytesIO(xlsx))["provenance"].iter_rows(values_only=True)}
    assert rows[("input", "unheated")][0] == "unheated_today.csv"
    assert rows[("setting", "tau_hours")][:2] == (50, 51)
    assert rows[("data", "illustrative")][3] == ("from the embedded illustrative scenario: "
                                                 "districts, outages, forecast")
    capsys.readouterr()


def edit(at, changes: dict) -> None:
    registry = list(pipeline.load_inputs().districts.index)  # editor rows: registry order
    at.session_state["editor_0"] = {"edited_rows": {registry.index(code): cells for code, cells in changes.items()},
                                    "added_rows": [], "deleted_rows": []}
    at.run()
    assert not at.exception and not at.error


def test_an_edit_changes_the_names_and_is_recorded(app):
    at = app()
    before = {key: deferred(at, key)[1] for key in ("download_xlsx", "download_excel_uk")}
    before["download_csv"] = downloaded(at, "download_csv").filename
    edit(at, {PECHERSKYI: {"unheated_buildings": 400}})
    xlsx, first = deferred(at, "download_xlsx")
    assert first != before["download_xlsx"] and re.fullmatch(NAME + r"\.xlsx", first)
    assert deferred(at, "download_excel_uk")[1] != before["download_excel_uk"]
    assert downloaded(at, "download_csv").filename != before["download_csv"]
    rows = list(openpyxl.load_workbook(io.BytesIO(xlsx))["provenance"].iter_rows(values_only=True))
    edits = [r for r in rows if r[0] == "edit"]
    assert len(edits) == 1 and edits[0][1:5] == (f"{PECHERSKYI} unheated_buildings", 400, None, 0)
    edit(at, {PECHERSKYI: {"unheated_buildings": 401}})
    assert deferred(at, "download_xlsx")[1] not in (first, before["download_xlsx"])


def test_published_list_exports_its_manifest_provenance(app, nothing_published):
    import dataclasses

    from heatneed import export, store
    from heatneed.config import model_params

    params = model_params(horizon_hours=24.0)
    priority = pipeline.rank(pipeline.load_inputs(), params).priority
    info = {"forecast": {"source": "meteostat", "issued_at": "2026-02-01T00:00:00Z", "stale": True,
                         "stale_age_hours": 7.0}, "data_as_of": "2026-02-01T06:00:00Z", "heatneed_version": "0.1.0",
            "params": dataclasses.asdict(params)}
    with store.refresh_lock(nothing_published):
        manifest = store.publish(nothing_published, export.priority_bytes(priority), info)
    at = app()
    assert not at.exception and at.radio(key="view").value == "published"
    xlsx, name = deferred(at, "download_xlsx")
    prov = export.provenance_of_published(manifest)
    assert name == export.export_file_name("2026-02-01T00:00:00Z", export.settings_digest(prov), "xlsx")
    wb = openpyxl.load_workbook(io.BytesIO(xlsx))
    rows = {(r[0], r[1]): r[2:] for r in wb["provenance"].iter_rows(values_only=True)}
    assert rows[("forecast", "source")][0] == "meteostat" and rows[("data", "stale")][0] == "yes"
    assert rows[("setting", "horizon_hours")] == (24, 72, None, "changed")
    sheet = list(wb["priority"].iter_rows(values_only=True))
    assert [r[1] for r in sheet[1:]] == list(priority["district_code"])
    assert [r[4] for r in sheet[1:]] == list(priority["risk_score"])


def test_a_registry_edit_is_recorded_in_the_provenance(app):
    podilskyi = "UA80000000000719633"
    at = app()
    row = list(pipeline.load_inputs().districts.index).index(podilskyi)
    at.session_state["registry_0_embedded"] = {"edited_rows": {row: {"share_65plus": 0.3}},
                                               "added_rows": [], "deleted_rows": []}
    at.run()
    assert not at.exception and not at.error
    xlsx, _ = deferred(at, "download_xlsx")
    rows = list(openpyxl.load_workbook(io.BytesIO(xlsx))["provenance"].iter_rows(values_only=True))
    edits = [r for r in rows if r[0] == "edit"]
    assert [r[1:3] for r in edits] == [(f"{podilskyi} share_65plus", 0.3)]
