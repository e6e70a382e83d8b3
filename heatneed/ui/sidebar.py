"""The sidebar: the interface language, a slot for the view choice, and the model settings."""

from __future__ import annotations

import streamlit as st

from heatneed import app_support as support
from heatneed import i18n
from heatneed.config import model_params
from heatneed.errors import InputError
from heatneed.ui.state import show_problems, ss, t, to_model


def language() -> str:
    return st.sidebar.radio("Language · Мова", list(i18n.LANGUAGES), format_func=i18n.LANGUAGES.get,
                            horizontal=True, key="lang")


def reset_settings():
    for field in support.SETTINGS:
        ss.pop(f"set_{field}", None)


def settings(config, default_params, setting_sources):
    """(the slot where the view radio goes, the model parameters the settings give)."""
    with st.sidebar:
        view_slot = st.container()  # filled after the inputs tab, whose uploads switch to the model view
        st.header(t("settings"))
        st.caption(t("settings_help"))
        overrides = {}
        for field, (low, high, step, fmt) in support.SETTINGS.items():
            default = float(getattr(default_params, field))
            overrides[field] = st.number_input(
                t(f"set_{field}"), min_value=low, max_value=high, value=default, step=step, format=fmt,
                key=f"set_{field}", on_change=to_model,
                help=t("default_source", value=f"{default:g}", source=setting_sources.get(field, "")))
        st.button(t("reset_settings"), on_click=reset_settings, key="reset_settings")
        try:
            params = model_params(config, **overrides)
        except InputError as exc:
            show_problems(t("settings_rejected"), exc.problems)
            params = default_params
    return view_slot, params
