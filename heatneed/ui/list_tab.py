"""The priority list tab: the ranked table (a row click selects the district), downloads, detail."""

from __future__ import annotations

import streamlit as st

from heatneed import app_support as support
from heatneed import i18n
from heatneed.ui import detail, downloads, state
from heatneed.ui.state import ss, t


def choose_row():
    rows = ss[ss.table_key].selection.rows
    if rows:
        ss.district = ss.table_codes[rows[0]]


def first_rows(table, rows: int, lang: str):
    """The rows the table shows: the first ``rows`` (``[app] table_rows``) of a longer list unless
    "All districts" is on. A re-rank redraws the table, and at 1,469 hromadas the whole of it is
    most of a re-rank's time (README: Speed of the app); the downloads, the map and the district
    selector always hold every district."""
    if len(table) <= rows:
        return table
    n, first = i18n.number(len(table), lang), i18n.number(rows, lang)
    if st.toggle(t("table_all", n=n), key="table_all", help=t("table_all_help", rows=first)):
        return table
    st.caption(t("table_first", rows=first, n=n))
    return table.head(rows)


def render(shown, inputs, names, lang: str, params, output_dir) -> None:
    table = support.priority_view(shown.priority, names, lang)
    ss.table_codes = list(table.index)  # every district: the selector's choices, the table's rows first
    st.caption(t("table_help"))
    rows = first_rows(table, int(state.defaults()[0]["app"]["table_rows"]), lang)
    ss.table_key = f"table_{hash(tuple(rows.index))}"  # a new order starts with no row selected
    st.dataframe(
        support.styled_priority(rows, lang), hide_index=True, key=ss.table_key, on_select=choose_row,
        selection_mode="single-row", placeholder="—",
        column_config={"severity_label": st.column_config.TextColumn("", width="medium"),
                       "risk_range": st.column_config.TextColumn(t("col_risk_range")),
                       **support.priority_column_config(st.column_config, t),
                       "severity": support.severity_column(st.column_config, t)})
    downloads.render(shown, lang)
    detail.render(table, inputs, shown.result, lang, params, output_dir)
