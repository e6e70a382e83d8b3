"""The calibration tab: field thermometer readings -> fitted time constants (heatneed.calibrate)."""

from __future__ import annotations

import streamlit as st

from heatneed import app_calibrate
from heatneed import app_support as support
from heatneed.calibrate import calibrate_files, registry_bytes
from heatneed.errors import InputError
from heatneed.ui.templates_panel import columns_and_templates
from heatneed.ui.state import chart, derived, inputs_of, show_problems, ss, t, to_model, translator


@st.cache_resource(max_entries=8, show_spinner=False)
def cached_calibration(key, _readings, _outdoor, district, _registry):
    """(Calibration, registry) of uploaded readings; raises InputError (keyed by content hashes)."""
    files = {"readings": _readings, "outdoor": _outdoor, "districts": _registry}
    return calibrate_files(_readings.data, outdoor=_outdoor.data if _outdoor else None, district=district or None,
                           districts=_registry.data if _registry else None,
                           names={role: up.name for role, up in files.items() if up})


def apply_calibration():
    ss.sources = {**ss.sources, "districts": ss.calibrated_registry}
    to_model()


def render(lang: str) -> None:
    st.caption(t("cal_intro"))
    c1, c2 = st.columns(2)
    chosen = {}
    for column, role in ((c1, "readings"), (c2, "outdoor")):
        with column:
            up = st.file_uploader(t(f"cal_upload_{role}"), key=f"upload_{role}", type=support.TABLE_TYPES)
            columns_and_templates(role, lang)
        chosen[role] = support.Upload.of(role, up.name, up.getvalue()) if up else None
    registry_up = ss.sources.get("districts")
    inputs = inputs_of(ss.sources)
    labels = derived(inputs, f"name_labels_{lang}", support.name_labels, inputs.districts, lang)
    cal_district = st.selectbox(t("cal_district"), [""] + list(labels.index), key="cal_district",
                                format_func=lambda c: translator(lang)("cal_district_none") if not c else
                                labels.get(c, c))
    if not chosen["readings"]:
        return
    key = tuple((up.digest, up.name) if up else "" for up in (chosen["readings"], chosen["outdoor"], registry_up))
    try:
        calibration, registry = cached_calibration(key, chosen["readings"], chosen["outdoor"], cal_district,
                                                   registry_up)
    except InputError as exc:
        show_problems(t("upload_rejected", name=support.plain(chosen["readings"].name)), exc.problems)
        return
    st.markdown(f"**{t('cal_sites')}**")
    st.dataframe(support.localised_numbers(app_calibrate.site_view(calibration, lang), lang), hide_index=True,
                 key="cal_sites_table")
    st.markdown(f"**{t('cal_districts')}**")
    st.dataframe(support.localised_numbers(app_calibrate.district_view(calibration), lang), hide_index=True,
                 key="cal_districts_table")
    fitted = [site for site, result in calibration.results.items() if result.fit is not None]
    if fitted:
        series = calibration.results[st.selectbox(t("cal_site"), fitted, key="cal_site")].series
        st.markdown(f"**{t('cal_fit_title')}**")
        chart(st, app_calibrate.fit_chart(series, lang))
        st.markdown(f"**{t('cal_residual_title')}**")
        chart(st, app_calibrate.residual_chart(series, lang))
        st.markdown(f"**{t('cal_band_title')}**")
        chart(st, app_calibrate.band_chart(calibration, lang))
    if calibration.districts.empty:
        st.info(t("cal_no_districts"))
    else:
        ss.calibrated_registry = support.Upload.of("districts", "districts_calibrated.csv",
                                                   registry_bytes(registry, calibration.districts))
        st.button(t("cal_apply"), on_click=apply_calibration, key="cal_apply")
        if registry_up and registry_up.digest == ss.calibrated_registry.digest:
            st.caption(t("cal_applied", codes=support.plain(", ".join(calibration.districts["district_code"]))))
