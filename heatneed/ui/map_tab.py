"""The map tab: districts coloured by severity, sized by residents."""

from __future__ import annotations

import streamlit as st

from heatneed import app_support as support
from heatneed.ui.state import t


def render(priority, inputs, names, lang: str, params) -> None:
    points = support.map_points(priority, inputs.districts, names, lang)
    if points.empty:
        st.info(t("map_no_coords"))
        return
    st.pydeck_chart(support.map_deck(points, lang), height=560, width="stretch", alt=t("map_caption"))
    st.caption(t("map_caption"))
    st.altair_chart(support.severity_legend(params.labels(), lang), width="content")
