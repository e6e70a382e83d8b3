"""The list's downloads: the same bytes the command line writes (``heatneed.export``).

Plain and HXL CSV (``rank --out F.csv [--hxl]``), the Excel workbook with its provenance sheet
(``rank --out F.xlsx``) and the "CSV for Excel (Ukrainian)" (``rank --excel-uk --out F.csv``). Every
name is ``export.export_file_name``: the forecast issue time and a short hash of the settings,
the input files and the edits made here. Every file is made when its button is clicked
(Streamlit's deferred download; once per list), so a re-rank never waits for them.
"""

from __future__ import annotations

import streamlit as st

from heatneed import app_support as support
from heatneed import app_registry, export
from heatneed.ui import state
from heatneed.ui.state import ss, t

XLSX_MIME = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def edits_in_use(shown) -> tuple:
    """The report and registry cells edited in the app that the shown (model) list uses: the inputs
    before the edits against the inputs the list was ranked on."""
    if shown.result is None:
        return ()
    def edits(base, current):
        return support.report_edits(base, current) + app_registry.registry_changes(base, current)

    # once per ranking and set of files the edits start from (every rerun would compare the tables)
    return state.derived(shown.result, f"edits_{support.sources_key(ss.sources)}", edits,
                         state.inputs_of(ss.sources), shown.result.inputs)


def render(shown, lang: str) -> None:
    prov = support.listing_provenance(shown, edits_in_use(shown))
    digest = export.settings_digest(prov)

    def name(kind: str) -> str:
        return export.export_file_name(shown.issued_at, digest, kind)

    priority, files = shown.priority, shown.files  # what the buttons keep: the list, not the ranking
    (d1, d2), (d3, d4) = st.columns(2), st.columns(2)  # two by two: the labels stay whole at 1366 px
    d1.download_button(t("download_csv"), lambda: files.csv, name("csv"), "text/csv",
                       key="download_csv", help=t("download_help"), on_click="ignore")
    d2.download_button(t("download_hxl"), lambda: files.hxl, name("hxl"), "text/csv",
                       key="download_hxl", help=t("download_help"), on_click="ignore")
    d3.download_button(t("download_xlsx"), lambda: export.xlsx_bytes(priority, prov), name("xlsx"), XLSX_MIME,
                       key="download_xlsx", help=t("download_xlsx_help"), on_click="ignore")
    d4.download_button(t("download_excel_uk"), lambda: export.excel_uk_bytes(priority), name("excel-uk"),
                       "text/csv", key="download_excel_uk", help=t("download_excel_uk_help"), on_click="ignore")
