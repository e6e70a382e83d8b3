"""One district in detail: why it ranks where it does, its thresholds and its curves."""

from __future__ import annotations

import pandas as pd
import streamlit as st

from heatneed import app_support as support
from heatneed import store
from heatneed.errors import SourceError
from heatneed.ui.state import derived, ss, t


def render(table, inputs, result, lang: str, params, output_dir) -> None:
    st.subheader(t("detail_title"))
    if ss.get("district") not in ss.table_codes:
        ss.pop("district", None)
    labels = derived(inputs, f"name_labels_{lang}", support.name_labels, inputs.districts, lang)
    name_of = lambda c: labels[c] if c in labels.index else table.at[c, "district"]  # noqa: E731
    ranks = dict(zip(table.index, table["rank"]))  # the format function runs once per district
    code = st.selectbox(t("district"), ss.table_codes, key="district",
                        format_func=lambda c: f"{ranks[c]}. {name_of(c)}")
    row = table.loc[code]
    st.markdown(f"### {support.plain(name_of(code))} — "
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
            st.altair_chart(support.history_chart(history, lang), width="stretch")
        return
    detail = support.district_detail(result, code)
    st.caption(t("why_title"))
    st.dataframe(support.why_table(result.detail.loc[code], lang), hide_index=True)
    st.caption(t("thresholds_title"))
    st.dataframe(support.threshold_table(detail.hours, result, lang), hide_index=True)
    c1, c2 = st.columns(2)
    c1.markdown(f"**{t('chart_outdoor')}**")
    c1.altair_chart(support.outdoor_chart(detail.series, lang), width="stretch")
    c2.markdown(f"**{t('chart_indoor')}**")
    c2.altair_chart(support.indoor_chart(detail.series, params, float(result.detail.at[code, "tau_hours"]), lang),
                    width="stretch")
    c2.altair_chart(support.power_chart(detail.series, lang), width="stretch")
    c2.caption(t("chart_power"))
