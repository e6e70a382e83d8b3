"""The list's downloads: the same bytes the command line writes."""

from __future__ import annotations

import streamlit as st

from heatneed import app_support as support
from heatneed.ui.state import t


def render(shown, lang: str) -> None:
    d1, d2 = st.columns(2)
    d1.download_button(t("download_csv"), shown.csv, support.export_file_name(shown.issued_at, False), "text/csv",
                       key="download_csv", help=t("download_help"), on_click="ignore")
    d2.download_button(t("download_hxl"), shown.hxl, support.export_file_name(shown.issued_at, True), "text/csv",
                       key="download_hxl", help=t("download_help"), on_click="ignore")
