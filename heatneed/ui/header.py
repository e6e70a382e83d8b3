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
        age = t("age_hours", hours=support.age_text(published.age_hours))
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
    if result is None:
        kf = support.key_figures(priority)
    else:  # the coldest hour depends on the forecast and horizon only: kept across settings
        coldest = derived(result.inputs, f"coldest_{len(result.forecast['time'])}", support.coldest_hour,
                          result.forecast)
        kf = derived(result, "key_figures", support.key_figures, priority, result.forecast, coldest)
    for column, (label, value, note, tip) in zip(st.columns(4),
                                                 support.headline(kf, names, lang, params.horizon_hours)):
        column.metric(label, value, note, delta_color="off", delta_arrow="off", help=tip)
