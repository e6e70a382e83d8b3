"""The sidebar: the interface language, a slot for the view choice, and the model settings.

The language comes from the address (``?lang=uk``) and is written back to it, so a link or a reload
opens the same language; a new session without it follows the browser's language
(``i18n.pick_language``). Settings field staff use come first; the physics of the homes (τ, gains,
heat loss…) sits under "Advanced".
"""

from __future__ import annotations

import re

import streamlit as st

from heatneed import app_support as support
from heatneed import i18n
from heatneed.config import model_params
from heatneed.errors import InputError
from heatneed.ui.state import show_problems, ss, t, to_model

#: Settings shown first: what a field team knows or decides (how far ahead to look, how many people
#: live in a building, how much the warming places can take). The others are under "Advanced".
FIELD_SETTINGS = ("horizon_hours", "residents_per_building", "warming_max_absorbed_share")


def language() -> str:
    """The language radio (first in the sidebar), kept in the URL's ``?lang=``."""
    if "lang" not in ss:  # a new session (or a reload): the address first, then the browser's language
        ss.lang = i18n.pick_language(st.query_params.get("lang"), st.context.locale)
    lang = st.sidebar.radio("Language · Мова", list(i18n.LANGUAGES), format_func=i18n.LANGUAGES.get,
                            index=list(i18n.LANGUAGES).index(ss.lang),  # a redrawn radio keeps it
                            horizontal=True, key="lang", help=i18n.text("language_help", ss.lang))
    if st.query_params.get("lang") != lang:
        st.query_params["lang"] = lang
    css = uploader_css(lang, st.get_option("server.maxUploadSize"), support.UPLOAD_TYPES)
    if css:
        st.html(f"<style>{css}</style>")
    return lang


def _css_string(text: str) -> str:
    """``text`` as a CSS string literal (quotes, backslashes and line breaks escaped)."""
    return '"' + re.sub(r'["\\\n]', lambda m: "\\a " if m[0] == "\n" else "\\" + m[0], text) + '"'


def uploader_css(lang: str, max_mb: int, types_by_role: dict[str, list[str]]) -> str:
    """CSS writing Streamlit's own file-uploader texts ("Upload", "100MB per file • CSV") in ``lang``.

    Streamlit has no translation for them, so the original text is set to size 0 and the
    translation drawn in its place (``::after``); the accepted types of each upload of the Inputs
    tab (its widget key ``upload_<role>``) follow the limit as Streamlit shows them. Empty for
    English: Streamlit's texts are English.
    """
    if lang == i18n.REFERENCE:
        return ""
    zone = '[data-testid="stFileUploaderDropzone"]'
    instructions = f'{zone} [data-testid="stFileUploaderDropzoneInstructions"] span'
    button = f'{zone} button[data-testid="stBaseButton-secondary"] [data-testid="stMarkdownContainer"] p'
    limit = i18n.text("uploader_limit", lang, mb=i18n.number(max_mb, lang))
    rules = [f"{button}, {instructions} {{font-size: 0 !important;}}",
             f"{button}::after {{content: {_css_string(i18n.text('uploader_browse', lang))}; font-size: 14px;}}",
             f"{instructions}::after {{content: {_css_string(limit)}; font-size: 14px;}}"]
    for role, types in types_by_role.items():
        shown = limit + " • " + ", ".join(s.upper() for s in types)
        rules.append(f".st-key-upload_{role} {instructions}::after {{content: {_css_string(shown)};}}")
    return "\n".join(rules)


def reset_settings(default_params):
    """Every setting back to its default, set explicitly: a key merely removed re-creates the widget
    with its default, but the browser keeps showing what was typed (an invalid horizon stayed)."""
    for field in support.SETTINGS:
        ss[f"set_{field}"] = float(getattr(default_params, field))


def _setting(where, field: str, default_params, setting_sources, lang: str) -> float:
    """The number input of one model setting, its default and the default's source as help."""
    low, high, step, fmt = support.SETTINGS[field]
    default = float(getattr(default_params, field))
    # ``value`` is the default, not only the session's value: a widget the browser draws afresh
    # (a reconnect, a redraw under load) starts from the element's default and an empty or
    # out-of-range value falls back to it; without ``value`` Streamlit's default is the minimum,
    # and a loaded server once ranked a session with every setting at its minimum (12 h horizon,
    # no gains, no heater). Reset writes the session's value (``reset_settings``).
    return where.number_input(
        t(f"set_{field}"), min_value=low, max_value=high, value=default, step=step, format=fmt,
        key=f"set_{field}", on_change=to_model,
        help=t("default_source", value=i18n.short(default, lang), source=setting_sources.get(field, "")))


def settings(config, default_params, setting_sources):
    """(the slot where the view radio goes, the model parameters the settings give)."""
    lang = ss.get("lang") or i18n.REFERENCE
    with st.sidebar:
        view_slot = st.container()  # filled after the inputs tab, whose uploads switch to the model view
        st.header(t("settings"))
        st.caption(t("settings_help"))
        overrides = {}
        for field in [f for f in FIELD_SETTINGS if f in support.SETTINGS]:
            overrides[field] = _setting(st, field, default_params, setting_sources, lang)
        with st.expander(t("settings_advanced"), expanded=False):
            st.caption(t("settings_advanced_help"))
            for field in [f for f in support.SETTINGS if f not in FIELD_SETTINGS]:
                overrides[field] = _setting(st, field, default_params, setting_sources, lang)
        st.button(t("reset_settings"), on_click=reset_settings, args=(default_params,), key="reset_settings")
        try:
            params = model_params(config, **overrides)
        except InputError as exc:
            show_problems(t("settings_rejected"), exc.problems)
            params = default_params
    return view_slot, params
