"""The About tab: version, how the list is made, what the model cannot know, data sources and their
credits (``heatneed.attributions``), where to report a problem, and the equivalent command line."""

from __future__ import annotations

import pandas as pd
import streamlit as st

from heatneed import app_support as support
from heatneed.attributions import ATTRIBUTIONS, ISSUES_URL, VERSION
from heatneed.ui.state import t


def sources_table(translate) -> pd.DataFrame:
    """One row per data source: what it is used for (in the page's language), credit, licence, file."""
    return pd.DataFrame({translate("about_col_what"): [translate(f"about_src_{a.id}") for a in ATTRIBUTIONS],
                         translate("about_col_credit"): [a.credit for a in ATTRIBUTIONS],
                         translate("about_col_licence"): [a.licence for a in ATTRIBUTIONS],
                         translate("about_col_file"): [a.file for a in ATTRIBUTIONS]})


def render(shown, params, default_params, sources) -> None:
    st.subheader(t("about_title"))
    st.caption(t("about_version", version=VERSION))
    st.markdown(f"**{t('about_method_title')}**")
    st.markdown(t("about"))
    st.markdown(f"**{t('about_limits_title')}**")
    st.markdown(t("about_limits"))
    st.markdown(f"**{t('about_sources_title')}**")
    st.dataframe(sources_table(t), hide_index=True, key="about_sources")
    st.markdown(f"**{t('about_report_title')}**")
    st.markdown(t("about_report", url=ISSUES_URL))
    st.markdown(f"**{t('about_cli_title')}**")
    if shown.published is not None:
        files = shown.published.manifest.get("inputs", {})
        listed = ", ".join(f"{role}: {v.get('file')}" for role, v in files.items())
        st.caption(t("published_inputs", files=support.plain(listed)))
    else:
        st.code(support.cli_command(params, default_params, sources), language="bash")
