"""The needs tab: heaters, fuel and warming-place places in numbers, and what-if scenarios."""

from __future__ import annotations

import io

import pandas as pd
import streamlit as st

from heatneed import app_support as support
from heatneed import i18n, needs, store
from heatneed.needs import needs_bytes
from heatneed.ui.state import derived, lang, t


def render(shown, inputs) -> None:
    result = shown.result
    st.caption(t("needs_intro"))
    if shown.published is not None:
        data = store.read_published_file(shown.published, "needs.csv")
        if data is None:
            st.info(t("needs_not_published"))
            needs_table = None
        else:
            st.caption(t("needs_published"))
            needs_table = pd.read_csv(io.BytesIO(data), keep_default_na=False, na_values=[""])
    else:
        needs_table = derived(result, "needs_view", support.needs_view, result)  # once per ranking
        data = derived(result, "needs_bytes", needs_bytes, needs_table)
    if needs_table is not None:
        total = needs_table.iloc[-1]
        for column, (key, col) in zip(st.columns(4), (("needs_expected_24h", "expected_below_12c_24h"),
                                                      ("needs_shortfall", "shortfall_median"),
                                                      ("needs_heaters", "heaters_24h_median"),
                                                      ("needs_fuel", "fuel_litres_per_day_24h"))):
            value = total[col]
            column.metric(t(key), i18n.number(value, lang()))
        st.dataframe(support.localised_numbers(needs_table, lang()), hide_index=True, key="needs_table",
                     column_config=support.needs_column_config(st.column_config, needs_table.columns, lang()))
        st.download_button(t("needs_download"), data, file_name="needs.csv", mime="text/csv", key="download_needs")
    if shown.published is not None:
        return
    if inputs.sites is None:
        st.info(t("needs_no_sites"))
    else:
        st.pydeck_chart(support.sites_deck(support.site_points(inputs.sites), inputs.districts), height=420,
                        width="stretch", alt=t("needs_sites_map"))
        st.caption(t("needs_sites_map"))
    st.subheader(t("what_if"))
    power_off = st.checkbox(t("what_if_power"), key="what_if_power")
    heat_text = st.text_input(t("what_if_heat"), key="what_if_heat").strip()
    heat_at = None
    if heat_text:
        try:
            heat_at = pd.Timestamp(heat_text)
            heat_at = heat_at.tz_localize("UTC") if heat_at.tzinfo is None else heat_at.tz_convert("UTC")
        except (ValueError, TypeError):
            st.error(t("what_if_bad_time", value=support.plain(heat_text)))
    if power_off or heat_at is not None:
        scenario = needs.Scenario(power_off_hours=24.0 if power_off else 0.0, heat_returns_at=heat_at)
        st.caption(t("what_if_caption"))
        table = needs.what_if(result, needs.needs_params(), scenario, inputs.sites)
        st.dataframe(support.localised_numbers(table, lang()), hide_index=True, key="what_if_table",
                     column_config=support.needs_column_config(st.column_config, table.columns, lang()))
