"""The page header: where the list comes from, how old its data is, and the key figures."""

from __future__ import annotations

import streamlit as st

from heatneed import app_support as support
from heatneed.ui.state import derived, t


def render(shown, published, sources, output_dir, names, lang: str, params) -> None:
    priority = shown.priority
    st.title(t("title"))
    st.caption(t("subtitle"))
    if shown.published is not None:
        age = support.age_label(published.age_hours, lang)
        st.info(t("source_published", folder=support.plain(output_dir), age=age,
                  published=support.local_time(published.published_at, "%Y-%m-%d %H:%M")))
        if published.stale:
            st.error(t("published_stale", age=age))
    elif sources:
        st.info(t("source_files", files=", ".join(support.plain(u.name) for u in sources.values())))
    illustrative, too_old, forecast_age = support.data_state_lines(shown.state, lang)
    if illustrative:  # while ANY input is still the embedded scenario, also after uploads and edits
        st.warning((t("source_embedded") + " " if not sources and shown.published is None else "") + illustrative)
    if too_old:
        st.warning(too_old)
    as_of, issued, source = st.columns(3)
    as_of.markdown(f"**{t('data_as_of')}:** {support.local_time(priority['data_as_of'].iloc[0], '%Y-%m-%d %H:%M')}")
    issued.markdown(f"**{t('forecast_issued')}:** {support.local_time(shown.issued_at, '%Y-%m-%d %H:%M')} "
                    f"({support.plain(shown.issued_at)}; {forecast_age})")
    source.markdown(f"**{t('forecast_source')}:** {support.plain(shown.forecast_source)} · {t('times_note')}")
    if shown.stale and shown.published is None and shown.state is not None and shown.state.snapshot:
        st.error(t("stale"))  # a snapshot stands in for the failed live source
    result = shown.result
    # Key-figure labels wrap onto a second line instead of ending in "…" (the Ukrainian ones are
    # longer than four columns of a 1366 px laptop allow).
    st.html('<style>[data-testid="stMetricLabel"], [data-testid="stMetricLabel"] * {white-space: normal '
            '!important; overflow: visible !important; text-overflow: clip !important; height: auto !important;}'
            '</style>')
    if result is None:
        kf = support.key_figures(priority)
    else:
        kf = derived(result, "key_figures", support.key_figures, priority, result.forecast)
    for column, (label, value, note, tip) in zip(st.columns(4),
                                                 support.headline(kf, names, lang, params.horizon_hours)):
        column.metric(label, value, note, delta_color="off", delta_arrow="off", help=tip)
