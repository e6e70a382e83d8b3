"""The priority list tab: the ranked table (a row click selects the district), downloads, detail."""

from __future__ import annotations

import streamlit as st

from heatneed import app_support as support
from heatneed.ui import detail, downloads
from heatneed.ui.state import ss, t


def choose_row():
    rows = ss[ss.table_key].selection.rows
    if rows:
        ss.district = ss.table_codes[rows[0]]


def render(shown, inputs, names, lang: str, params, output_dir) -> None:
    table = support.priority_view(shown.priority, names, lang)
    ss.table_codes = list(table.index)
    ss.table_key = f"table_{hash(tuple(table.index))}"  # a new order starts with no row selected
    st.caption(t("table_help"))
    st.dataframe(
        support.styled_priority(table, lang), hide_index=True, key=ss.table_key, on_select=choose_row,
        selection_mode="single-row", placeholder="—",
        column_config={"severity_label": st.column_config.TextColumn("", width="medium"),
                       "risk_range": st.column_config.TextColumn(t("col_risk_range")),
                       **support.priority_column_config(st.column_config, t),
                       "severity": support.severity_column(st.column_config, t)})
    downloads.render(shown, lang)
    detail.render(table, inputs, shown.result, lang, params, output_dir)
