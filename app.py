"""heatneed app: which districts need heating help first, how soon, and for how many people.

Thin layer: widgets -> heatneed functions -> display. Run: ``streamlit run app.py``.
It opens on the latest published list (``$HEATNEED_OUTPUT_DIR``, as the refresh job writes it)
when there is one, else on the embedded scenario. Every number comes from ``heatneed.pipeline``
(the code the command line runs); the CSV download is ``heatneed.export.priority_bytes`` of the
same list, so it equals the CLI's file byte for byte. Each part of the page is a module of
``heatneed.ui``; this script puts them in order.
"""

from __future__ import annotations

import pandas as pd
import streamlit as st

from heatneed import app_support as support
from heatneed import store
from heatneed.ui import (about_tab, calibrate_tab, header, inputs_tab, list_tab, map_tab, needs_tab,
                         sidebar, state)
from heatneed.ui.state import ss, t

st.set_page_config(page_title="heatneed", page_icon="🌡️", layout="wide")
state.init_session()

config, default_params, setting_sources = state.defaults()
output_dir = store.default_output_dir()
published = state.latest_published(str(output_dir))

lang = sidebar.language()
view_slot, params = sidebar.settings(config, default_params, setting_sources)

header_slot = st.container()
# The open tab is tracked (key "tab", its label): switching tabs reruns the script, and the map and
# needs tabs, which draw every district, run only while open. The inputs and calibration tabs always
# run: their uploads and edits decide what the others show and must not be dropped.
TABS = ("tab_list", "tab_map", "tab_needs", "tab_inputs", "tab_calibrate", "tab_about")
state.keep_open_tab(TABS, lang)  # the open tab stays open when the language changes
tab_list, tab_map, tab_needs, tab_inputs, tab_calibrate, tab_about = st.tabs(
    [t(key) for key in TABS], key="tab", on_change="rerun")

with tab_inputs:  # first: its uploads and edits decide what the other tabs show
    edits = inputs_tab.render(lang)
with tab_calibrate:
    calibrate_tab.render(lang)

sources = {**ss.sources, **edits}
view = "model"
if published is not None:
    view = view_slot.radio(t("view"), ["published", "model"], key="view", help=t("view_help"),
                           format_func=lambda v, tl=state.translator(lang): tl(f"view_{v}"))
inputs = state.inputs_of(sources)
names = support.district_names(inputs.districts, lang)
if view == "published":
    shown = support.published_listing(published)
else:
    result = state.cached_rank(support.sources_key(sources), params, pd.Timestamp.now(tz="UTC").floor("h"),
                               config["forecast"]["stale_after_hours"], sources)
    shown = state.derived(result, "listing", support.model_listing, result)  # its downloads made once

with header_slot:
    header.render(shown, published, sources, output_dir, names, lang, params)
with tab_list:
    list_tab.render(shown, inputs, names, lang, params, output_dir)
if tab_map.open:
    with tab_map:
        map_tab.render(shown.priority, inputs, names, lang, params)
if tab_needs.open:
    with tab_needs:
        needs_tab.render(shown, inputs)
with tab_about:
    about_tab.render(shown, params, default_params, sources)
