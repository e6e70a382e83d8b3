"""One district in detail: why it ranks where it does, its thresholds and its curves."""

from __future__ import annotations

import pandas as pd
import streamlit as st

from heatneed import app_support as support
from heatneed import explain, store
from heatneed.errors import SourceError
from heatneed.ui.state import chart, derived, ss, t


@st.cache_resource(max_entries=32, show_spinner=False)
def cached_tau_ranks(key, _result):
    """``explain.tau_ranks`` once per ranking (two kernel runs). ``key``: the ranking's identity and its
    settings and published scores, so that a new ranking never meets an old entry."""
    return explain.tau_ranks(_result)


def tau_ranks(result):
    scores = result.priority[["district_code", "risk_score", "residents_unheated"]].to_csv(index=False)
    return cached_tau_ranks((id(result), result.params, scores), result)


def render(table, inputs, result, lang: str, params, output_dir) -> None:
    st.subheader(t("detail_title"))
    if ss.get("district") not in ss.table_codes:
        ss.pop("district", None)
    labels = derived(inputs, f"name_labels_{lang}", support.name_labels, inputs.districts, lang)
    names = labels.reindex(table.index).fillna(table["district"])  # both names, else the list's
    # The format function runs once per district on every rerun: a dict lookup each.
    options = dict(zip(table.index, table["rank"].astype(str) + ". " + names))
    code = st.selectbox(t("district"), ss.table_codes, key="district", format_func=options.__getitem__)
    row = table.loc[code]
    st.markdown(f"### {support.plain(names[code])} — "
                f"{t('col_severity').lower()} {row['severity']}: {row['severity_label']}")
    if result is None:
        st.info(t("detail_published", model=t("view_model")))
        try:
            history = store.read_history(output_dir, district=code)
        except SourceError as exc:
            st.warning(str(exc))
            history = pd.DataFrame()
        if len(history) > 1:
            st.markdown(f"**{t('history_title')}**")
            chart(st, support.history_chart(history, lang))
        return
    why = explain.why(result, code, tau_ranks(result))
    st.caption(t("why_title"))
    if why.harmed:
        st.dataframe(support.why_table(why, lang), hide_index=True, key="why_table")
    st.markdown("\n".join(f"- {line}" for line in support.why_lines(why, lang, params)))
    homes = result.detail.at[code, "unheated_buildings"]
    if not homes > 0:  # nobody's home is cooling: no indoor curve as if one were
        st.info(t("detail_unknown_homes" if pd.isna(homes) else "detail_no_homes"))
        detail = support.district_detail(result, code)
        st.markdown(f"**{t('chart_outdoor')}**")
        chart(st, support.outdoor_chart(detail.series, lang))
        chart(st, support.power_chart(detail.series, lang))
        st.caption(t("chart_power"))
        return
    detail = support.district_detail(result, code)
    st.caption(t("thresholds_title"))
    st.dataframe(support.threshold_table(detail.hours, result, lang), hide_index=True)
    c1, c2 = st.columns(2)
    c1.markdown(f"**{t('chart_outdoor')}**")
    chart(c1, support.outdoor_chart(detail.series, lang))
    c2.markdown(f"**{t('chart_indoor')}**")
    chart(c2, support.indoor_chart(detail.series, params, float(result.detail.at[code, "tau_hours"]), lang))
    chart(c2, support.power_chart(detail.series, lang))
    c2.caption(t("chart_power"))
