"""The About tab: what heatneed is, its sources and limits, and the equivalent command line."""

from __future__ import annotations

import streamlit as st

from heatneed import app_support as support
from heatneed.ui.state import t


def render(shown, params, default_params, sources) -> None:
    st.markdown(t("about"))
    if shown.published is not None:
        files = shown.published.manifest.get("inputs", {})
        listed = ", ".join(f"{role}: {v.get('file')}" for role, v in files.items())
        st.caption(t("published_inputs", files=support.plain(listed)))
    else:
        st.code(support.cli_command(params, default_params, sources), language="bash")
