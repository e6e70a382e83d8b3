"""Session state, the cached calls into heatneed, the interface language and the error display."""

from __future__ import annotations

import threading
import weakref

import streamlit as st

from heatneed import app_support as support
from heatneed import i18n, pipeline, store
from heatneed.config import load_config, model_params

ss = st.session_state


@st.cache_resource(max_entries=16, show_spinner=False)
def cached_inputs(key, _sources):
    """Validated inputs for a set of uploads (keyed by their content hashes); raises InputError.

    Each new set parses every file again, the forecast included: a parsed forecast handed back to
    ``load_inputs`` is conformed a second time, which fills gaps a file reader left (an Open-Meteo
    ensemble with a missing hour), and the download must stay byte-identical to the CLI's output.
    """
    return support.load_sources(_sources)


@st.cache_resource(max_entries=32, show_spinner=False)
def cached_rank(key, params, hour, stale_after_hours, _sources):
    """Ranked once per hour (``hour``): the data state (forecast age, stale) is as of that hour."""
    return pipeline.rank(cached_inputs(key, _sources), params, sensitivity=True, now=hour,
                         stale_after_hours=stale_after_hours)


@st.cache_data(show_spinner=False)
def defaults():
    """(config, default model parameters, the source of each setting's default)."""
    config = load_config()
    return config, model_params(config), support.setting_sources()


@st.cache_data(ttl="1m", show_spinner=False)
def latest_published(output_dir: str):
    return store.read_published(output_dir)


def inputs_of(sources):
    return cached_inputs(support.sources_key(sources), sources)


_DERIVED: dict[int, dict] = {}  # id(object) -> {name: value}; an entry dies with its object
_DERIVED_LOCK = threading.Lock()


def derived(owner, name: str, make, *args):
    """``make(*args)``, computed once per ``owner`` (a cached object: ``RankResult``, ``Inputs``)
    and ``name``: what every rerun and every session would otherwise recompute from the same
    object (the list shown, the needs table, the header figures, selector names).

    Cached results are shared by all sessions and never change, so what is derived from one stays
    right as long as it lives; the entry is dropped when the object is collected (before its id
    can be reused). ``name`` must say everything else ``make`` depends on (e.g. the language).
    """
    key = id(owner)
    with _DERIVED_LOCK:
        memo = _DERIVED.get(key)
        if memo is None:
            memo = _DERIVED[key] = {}
            weakref.finalize(owner, _DERIVED.pop, key, None)
        if name in memo:
            return memo[name]
    value = make(*args)  # outside the lock: two sessions may compute it at once, both get the same
    with _DERIVED_LOCK:
        return memo.setdefault(name, value)


def keep_open_tab(keys, language: str) -> None:
    """The open tab (``ss.tab``, its label) relabelled in ``language``: the tabs are tracked by
    label, so without this a language switch would open the first tab. Call before ``st.tabs``."""
    label = ss.get("tab")
    for key in keys:
        if label in {i18n.text(key, other) for other in i18n.LANGUAGES}:
            if label != i18n.text(key, language):  # set only on a switch: a click's value stays the frontend's
                ss.tab = i18n.text(key, language)
            return


def init_session() -> None:
    ss.setdefault("sources", {})  # role -> Upload: the last good uploads (other roles: embedded scenario)
    ss.setdefault("generation", 0)  # bumped when the uploaded reports change: the editor starts afresh
    ss.setdefault("seen_uploads", {})  # role -> file_id already processed
    ss.setdefault("upload_errors", {})  # role -> (file name, problems) of the rejected upload
    ss.setdefault("edits", None)  # (generation, fingerprint, {role: Upload}) of the last good edit
    ss.setdefault("edit_errors", [])


def lang() -> str:
    """The interface language chosen in the sidebar (English before the radio has run)."""
    return ss.get("lang") or i18n.REFERENCE


def t(key: str, **values) -> str:
    return i18n.text(key, lang(), **values)


def translator(language: str):
    """``t`` bound to ``language``: for format functions, which Streamlit may call outside the run."""
    return lambda key, **values: i18n.text(key, language, **values)


def to_model():
    """Uploads, edits and settings are about the model here: show it."""
    ss.view = "model"


def show_problems(title: str, lines: list[str]) -> None:
    """A rejection: its title, then the problem lines, their text (file names, cell values) shown
    literally as code spans (``support.plain``), so URLs, ``www.`` names and e-mail addresses from
    files never become links (tested in a browser). Lines are in the interface language where
    ``i18n.problem`` knows their template (file, row and column always)."""
    st.error(title + "\n\n" + "\n".join(f"- {support.plain(i18n.problem(line, lang()))}" for line in lines[:20]))


def chart(where, spec) -> None:
    """Draw a chart in ``where`` (``st`` or a column): an Altair chart from its Vega-Lite spec, made
    without Altair's schema validation, or such a spec (a dict). The charts come from fixed code in
    ``heatneed.app_support`` and ``app_calibrate``, whose specs the tests validate against the
    schema (``test_every_chart_is_a_valid_vega_lite_spec``); validating them on every rerun cost a
    third of a re-rank."""
    where.vega_lite_chart(spec if isinstance(spec, dict) else spec.to_dict(validate=False), width="stretch")
