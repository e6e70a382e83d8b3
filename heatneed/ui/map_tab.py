"""The map tab: district polygons coloured by severity over the oblast outlines, circles sized by
residents without heat, no map tiles; clicking a district chooses it for the detail."""

from __future__ import annotations

import streamlit as st

from heatneed import app_map
from heatneed import app_support as support
from heatneed.ui.state import ss, t

MAP_KEY = "map_select"
MAP_HEIGHT_PX = 560


def map_key() -> str:
    """The chart's key: a new one after each click, so the chart starts again without a selection
    (Streamlit greys every object but the selected one, which would hide the severity colours)."""
    return f"{MAP_KEY}_{ss.get('map_generation', 0)}"


def choose_on_map():
    """The clicked district becomes the one the list tab's selector and detail show."""
    code = app_map.selected_code(ss[map_key()].selection)
    ss.map_generation = ss.get("map_generation", 0) + 1
    if code is not None and code in ss.get("table_codes", []):
        ss.district = code
        ss.map_chosen = code


def render(priority, inputs, names, lang: str, params) -> None:
    data, deck = app_map.cached_deck(priority, inputs.districts, names, lang, height_px=MAP_HEIGHT_PX)
    if not data.polygons and not data.points:
        st.info(t("map_no_coords"))
        return
    st.pydeck_chart(deck, height=MAP_HEIGHT_PX, width="stretch", key=map_key(), on_select=choose_on_map,
                    selection_mode="single-object", alt=t("map_polygon_caption"))
    chosen = ss.get("map_chosen")
    if chosen is not None and chosen == ss.get("district"):
        row = data.districts.set_index("district_code").loc[chosen] if chosen in set(data.districts["district_code"]) \
            else None
        if row is not None:
            st.info(t("map_selected", name=support.plain(support.both_names(inputs.districts, chosen, lang, row["name"])),
                      rank=int(row["rank"])))
    st.caption(t("map_polygon_caption"))
    missing = set(data.missing)
    for key, codes in (("map_points_only", [c for c in data.join.unmatched if c not in missing]),
                       ("map_not_drawn", data.missing)):
        if codes:
            shown = support.plain(", ".join(codes[:12])) + (" …" if len(codes) > 12 else "")
            st.caption(t(key, count=app_map.integers([len(codes)], lang)[0],
                         total=app_map.integers([len(data.districts)], lang)[0], codes=shown))
    st.image(app_map.severity_legend_svg(params.labels(), lang))
    st.image(app_map.size_legend_svg(lang))
