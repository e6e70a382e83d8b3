"""heatneed app: which districts need heating help first, how soon, and for how many people.

Thin layer: widgets -> heatneed functions -> display. Run: ``streamlit run app.py``.
It opens on the latest published list (``$HEATNEED_OUTPUT_DIR``, as the refresh job writes it)
when there is one, else on the embedded scenario. Every number comes from ``heatneed.pipeline``
(the code the command line runs); the CSV download is ``heatneed.export.priority_bytes`` of the
same list, so it equals the CLI's file byte for byte.
"""

from __future__ import annotations

import io

import pandas as pd
import streamlit as st

from heatneed import app_calibrate
from heatneed import app_support as support
from heatneed import i18n, needs, pipeline, store
from heatneed.calibrate import calibrate_files, registry_bytes
from heatneed.needs import needs_bytes
from heatneed.config import load_config, model_params
from heatneed.errors import InputError, SourceError
from heatneed.inputs import OUTAGE_STATUSES

st.set_page_config(page_title="heatneed", page_icon="🌡️", layout="wide")
ss = st.session_state


# --------------------------------------------------------------------------- cached calls into heatneed

@st.cache_resource(max_entries=16, show_spinner=False)
def cached_inputs(key, _sources):
    """Validated inputs for a set of uploads (keyed by their content hashes); raises InputError.

    Each new set parses every file again, the forecast included: a parsed forecast handed back to
    ``load_inputs`` is conformed a second time, which fills gaps a file reader left (an Open-Meteo
    ensemble with a missing hour), and the download must stay byte-identical to the CLI's output.
    """
    return support.load_sources(_sources)


@st.cache_resource(max_entries=32, show_spinner=False)
def cached_rank(key, params, hour, _sources):
    """Ranked once per hour (``hour``): the data state (forecast age, stale) is as of that hour."""
    return pipeline.rank(cached_inputs(key, _sources), params, sensitivity=True, now=hour,
                         stale_after_hours=config["forecast"]["stale_after_hours"])


@st.cache_data(show_spinner=False)
def defaults():
    config = load_config()
    return config, model_params(config), support.setting_sources()


@st.cache_data(ttl="1m", show_spinner=False)
def latest_published(output_dir: str):
    return store.read_published(output_dir)


def inputs_of(sources):
    return cached_inputs(support.sources_key(sources), sources)


# --------------------------------------------------------------------------- state and language

ss.setdefault("sources", {})  # role -> Upload: the last good uploads (other roles: embedded scenario)
ss.setdefault("generation", 0)  # bumped when the uploaded reports change: the editor starts afresh
ss.setdefault("seen_uploads", {})  # role -> file_id already processed
ss.setdefault("upload_errors", {})  # role -> (file name, problems) of the rejected upload
ss.setdefault("edits", None)  # (generation, fingerprint, {role: Upload}) of the last good edit
ss.setdefault("edit_errors", [])

config, default_params, setting_sources = defaults()
output_dir = store.default_output_dir()
published = latest_published(str(output_dir))

lang = st.sidebar.radio("Language · Мова", list(i18n.LANGUAGES), format_func=i18n.LANGUAGES.get,
                        horizontal=True, key="lang")


def t(key: str, **values) -> str:
    return i18n.text(key, lang, **values)


def to_model():
    """Uploads, edits and settings are about the model here: show it."""
    ss.view = "model"


def show_problems(title: str, lines: list[str]) -> None:
    """A rejection: its title, then the problem lines, their text (file names, cell values) shown
    literally as code spans (``support.plain``), so URLs, ``www.`` names and e-mail addresses from
    files never become links (tested in a browser)."""
    st.error(title + "\n\n" + "\n".join(f"- {support.plain(line)}" for line in lines[:20]))


# --------------------------------------------------------------------------- sidebar: view and settings

def reset_settings():
    for field in support.SETTINGS:
        ss.pop(f"set_{field}", None)


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

header = st.container()
tab_list, tab_map, tab_needs, tab_inputs, tab_calibrate, tab_about = st.tabs(
    [t("tab_list"), t("tab_map"), t("tab_needs"), t("tab_inputs"), t("tab_calibrate"), t("tab_about")])


# --------------------------------------------------------------------------- inputs tab

def take_upload(role: str, uploaded) -> None:
    """Validate a newly chosen file; keep it only if the whole input set still validates."""
    if uploaded is None or ss.seen_uploads.get(role) == uploaded.file_id:
        return
    ss.seen_uploads[role] = uploaded.file_id
    candidate = {**ss.sources, role: support.Upload.of(role, uploaded.name, uploaded.getvalue())}
    try:
        inputs_of(candidate)
    except InputError as exc:
        ss.upload_errors[role] = (candidate[role].name, exc.problems)
        return
    ss.upload_errors.pop(role, None)
    ss.sources = candidate
    to_model()  # the view radio comes later in the run, so it can still be set
    if role != "forecast":
        ss.generation += 1


def back_to_embedded():
    ss.sources, ss.upload_errors, ss.edits, ss.edit_errors = {}, {}, None, []
    ss.generation += 1


with tab_inputs:
    st.caption(t("inputs_intro"))
    in_use = {}  # role -> placeholder, filled once the edits below are known
    reports = [r for r in support.UPLOAD_ROLES if r not in support.SCHEDULE_ROLES]
    columns = [*st.columns(len(reports)), *st.columns(len(support.SCHEDULE_ROLES))]  # power by the hour: own row
    for column, role in zip(columns, reports + list(support.SCHEDULE_ROLES)):
        with column:
            helped = "schedule_upload_help" if role in support.SCHEDULE_ROLES else "upload_help"
            take_upload(role, st.file_uploader(t(f"upload_{role}"), type=support.UPLOAD_TYPES[role],
                                               help=t(helped), key=f"upload_{role}"))
            if role in ss.upload_errors:
                name, problems = ss.upload_errors[role]
                show_problems(t("upload_rejected", name=support.plain(name)), problems)
            in_use[role] = st.empty()
    if ss.sources:
        st.button(t("reset_inputs"), on_click=back_to_embedded, key="reset_inputs")

    st.subheader(t("editor_title"))
    st.caption(t("editor_help"))
    base_inputs = inputs_of(ss.sources)
    base_table = support.editable_reports(base_inputs)
    edited = st.data_editor(
        base_table.assign(district=support.district_names(base_inputs.districts, lang))[
            ["district", *support.EDIT_COLUMNS]],
        key=f"editor_{ss.generation}", on_change=to_model, hide_index=True, num_rows="fixed",
        disabled=["district"], placeholder="—",
        column_config={
            "district": st.column_config.TextColumn(t("col_district")),
            "unheated_buildings": st.column_config.NumberColumn(t("col_buildings"), min_value=0, step=1),
            "residents": st.column_config.NumberColumn(t("col_residents_known"), min_value=0, step=1),
            "outage_status": st.column_config.SelectboxColumn(t("col_status"), options=list(OUTAGE_STATUSES),
                                                              format_func=lambda s: i18n.outage_status(s, lang)),
            "hours_off_per_day": st.column_config.NumberColumn(t("col_hours_off"), min_value=0, max_value=24,
                                                               step=0.5),
        })
    edited.index = base_table.index
    changed = support.changed_rows(base_table, edited)
    if changed.empty:
        ss.edits, ss.edit_errors = None, []
    else:
        fingerprint = edited.loc[changed, support.EDIT_COLUMNS].to_csv()
        if not ss.edits or ss.edits[:2] != (ss.generation, fingerprint):
            candidate = support.edited_sources(base_inputs, ss.sources, edited, pd.Timestamp.now(tz="UTC"))
            try:
                inputs_of(candidate)
                ss.edits = (ss.generation, fingerprint, {r: u for r, u in candidate.items() if u.edited})
                ss.edit_errors = []
            except InputError as exc:
                ss.edit_errors = exc.problems
    if ss.edit_errors:
        show_problems(t("edit_rejected"), ss.edit_errors)
    edits = ss.edits[2] if ss.edits and ss.edits[0] == ss.generation else {}
    for role, upload in edits.items():
        st.download_button(t("download_edited", name=upload.name), upload.data, upload.name, "text/csv",
                           key=f"download_{role}_edited", on_click="ignore")
    for role, placeholder in in_use.items():
        if role in edits:
            placeholder.caption(t("in_use_edited"))
        elif role in ss.sources and role in support.SCHEDULE_ROLES and support.schedule_pending(ss.sources):
            placeholder.caption(t("schedule_pending"))
        elif role in ss.sources:
            placeholder.caption(t("in_use_upload", name=support.plain(ss.sources[role].name)))
        elif role in support.SCHEDULE_ROLES:
            placeholder.empty()
        else:
            placeholder.caption(t("in_use_embedded", name=pipeline.EMBEDDED_SCENARIO.name))


# --------------------------------------------------------------------------- calibrate tab (heatneed.calibrate)

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


with tab_calibrate:
    st.caption(t("cal_intro"))
    c1, c2 = st.columns(2)
    chosen = {}
    for column, role in ((c1, "readings"), (c2, "outdoor")):
        up = column.file_uploader(t(f"cal_upload_{role}"), key=f"upload_{role}",
                                  type=["csv", "txt", "xlsx", "xls", "ods", "parquet"])
        chosen[role] = support.Upload.of(role, up.name, up.getvalue()) if up else None
    registry_up = ss.sources.get("districts")
    cal_district = st.selectbox(t("cal_district"), [""] + list(inputs_of(ss.sources).districts.index), key="cal_district",
                                format_func=lambda c: t("cal_district_none") if not c else
                                support.both_names(inputs_of(ss.sources).districts, c, lang, c))
    if chosen["readings"]:
        key = tuple(up.digest if up else "" for up in (chosen["readings"], chosen["outdoor"], registry_up))
        try:
            calibration, registry = cached_calibration(key, chosen["readings"], chosen["outdoor"], cal_district,
                                                       registry_up)
        except InputError as exc:
            show_problems(t("upload_rejected", name=support.plain(chosen["readings"].name)), exc.problems)
        else:
            st.markdown(f"**{t('cal_sites')}**")
            st.dataframe(app_calibrate.site_view(calibration, lang), hide_index=True, key="cal_sites_table")
            st.markdown(f"**{t('cal_districts')}**")
            st.dataframe(app_calibrate.district_view(calibration), hide_index=True, key="cal_districts_table")
            fitted = [site for site, result in calibration.results.items() if result.fit is not None]
            if fitted:
                series = calibration.results[st.selectbox(t("cal_site"), fitted, key="cal_site")].series
                st.markdown(f"**{t('cal_fit_title')}**")
                st.altair_chart(app_calibrate.fit_chart(series, lang), width="stretch")
                st.markdown(f"**{t('cal_residual_title')}**")
                st.altair_chart(app_calibrate.residual_chart(series, lang), width="stretch")
                st.markdown(f"**{t('cal_band_title')}**")
                st.altair_chart(app_calibrate.band_chart(calibration, lang), width="stretch")
            if calibration.districts.empty:
                st.info(t("cal_no_districts"))
            else:
                ss.calibrated_registry = support.Upload.of("districts", "districts_calibrated.csv",
                                                           registry_bytes(registry, calibration.districts))
                st.button(t("cal_apply"), on_click=apply_calibration, key="cal_apply")
                if registry_up and registry_up.digest == ss.calibrated_registry.digest:
                    st.caption(t("cal_applied", codes=", ".join(calibration.districts["district_code"])))

sources = {**ss.sources, **edits}
view = "model"
if published is not None:
    view = view_slot.radio(t("view"), ["published", "model"], key="view", help=t("view_help"),
                           format_func=lambda v: t(f"view_{v}"))
inputs = inputs_of(sources)
names = support.district_names(inputs.districts, lang)
if view == "published":
    shown = support.published_listing(published)
else:
    shown = support.model_listing(cached_rank(support.sources_key(sources), params,
                                              pd.Timestamp.now(tz="UTC").floor("h"), sources))
priority, result = shown.priority, shown.result


# --------------------------------------------------------------------------- header

with header:
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
    kf = support.key_figures(priority, result.forecast if result else None)
    for column, (label, value, note, tip) in zip(st.columns(4),
                                                 support.headline(kf, names, lang, params.horizon_hours)):
        column.metric(label, value, note, delta_color="off", delta_arrow="off", help=tip)


# --------------------------------------------------------------------------- priority list + detail

def choose_row():
    rows = ss[ss.table_key].selection.rows
    if rows:
        ss.district = ss.table_codes[rows[0]]


with tab_list:
    table = support.priority_view(priority, names, lang)
    ss.table_codes = list(table.index)
    ss.table_key = f"table_{hash(tuple(table.index))}"  # a new order starts with no row selected
    st.caption(t("table_help"))
    st.dataframe(
        support.styled_priority(table), hide_index=True, key=ss.table_key, on_select=choose_row,
        selection_mode="single-row", placeholder="—",
        column_config={"district": st.column_config.TextColumn(t("col_district")),
                       "severity_label": st.column_config.TextColumn("", width="medium"),
                       "risk_range": st.column_config.TextColumn(t("col_risk_range")),
                       **support.priority_column_config(st.column_config, t)})
    d1, d2 = st.columns(2)
    d1.download_button(t("download_csv"), shown.csv, support.export_file_name(shown.issued_at, False), "text/csv",
                       key="download_csv", help=t("download_help"), on_click="ignore")
    d2.download_button(t("download_hxl"), shown.hxl, support.export_file_name(shown.issued_at, True), "text/csv",
                       key="download_hxl", help=t("download_help"), on_click="ignore")

    st.subheader(t("detail_title"))
    if ss.get("district") not in ss.table_codes:
        ss.pop("district", None)
    name_of = lambda c: support.both_names(inputs.districts, c, lang, table.at[c, "district"])  # noqa: E731
    code = st.selectbox(t("district"), ss.table_codes, key="district",
                        format_func=lambda c: f"{table.at[c, 'rank']}. {name_of(c)}")
    row = table.loc[code]
    st.markdown(f"### {support.plain(name_of(code))} — "
                f"{t('col_severity').lower()} {row['severity']}: {row['severity_label']}")
    if result is None:
        st.info(t("detail_published", model=t("view_model")))
        try:
            history = store.read_history(output_dir, district=code)
        except SourceError as exc:
            st.warning(str(exc))
            history = pd.DataFrame()
        if len(history) > 1:
            st.markdown(f"**{t('history_title')}**")
            st.altair_chart(support.history_chart(history, lang), width="stretch")
    else:
        detail = support.district_detail(result, code)
        st.caption(t("why_title"))
        st.dataframe(support.why_table(result.detail.loc[code], lang), hide_index=True)
        st.caption(t("thresholds_title"))
        st.dataframe(support.threshold_table(detail.hours, result, lang), hide_index=True)
        c1, c2 = st.columns(2)
        c1.markdown(f"**{t('chart_outdoor')}**")
        c1.altair_chart(support.outdoor_chart(detail.series, lang), width="stretch")
        c2.markdown(f"**{t('chart_indoor')}**")
        c2.altair_chart(support.indoor_chart(detail.series, params, float(result.detail.at[code, "tau_hours"]), lang),
                        width="stretch")
        c2.altair_chart(support.power_chart(detail.series, lang), width="stretch")
        c2.caption(t("chart_power"))


# --------------------------------------------------------------------------- map

with tab_map:
    points = support.map_points(priority, inputs.districts, names, lang)
    if points.empty:
        st.info(t("map_no_coords"))
    else:
        st.pydeck_chart(support.map_deck(points, lang), height=560, width="stretch", alt=t("map_caption"))
        st.caption(t("map_caption"))
        st.altair_chart(support.severity_legend(params.labels(), lang), width="content")


# --------------------------------------------------------------------------- needs

with tab_needs:
    st.caption(t("needs_intro"))
    if shown.published is not None:
        data = store.read_published_file(shown.published, "needs.csv")
        if data is None:
            st.info(t("needs_not_published"))
            needs_table = None
        else:
            st.caption(t("needs_published"))
            needs_table = pd.read_csv(io.BytesIO(data), keep_default_na=False, na_values=[""])
    else:
        needs_table = support.needs_view(result)
        data = needs_bytes(needs_table)
    if needs_table is not None:
        total = needs_table.iloc[-1]
        for column, (key, col) in zip(st.columns(4), (("needs_expected_24h", "expected_below_12c_24h"),
                                                      ("needs_shortfall", "shortfall_median"),
                                                      ("needs_heaters", "heaters_24h_median"),
                                                      ("needs_fuel", "fuel_litres_per_day_24h"))):
            value = total[col]
            column.metric(t(key), "–" if pd.isna(value) else f"{float(value):,.0f}".replace(",", " "))
        st.dataframe(needs_table, hide_index=True, key="needs_table")
        st.download_button(t("needs_download"), data, file_name="needs.csv", mime="text/csv", key="download_needs")
    if shown.published is None:
        if inputs.sites is None:
            st.info(t("needs_no_sites"))
        else:
            st.pydeck_chart(support.sites_deck(support.site_points(inputs.sites), inputs.districts), height=420,
                            width="stretch", alt=t("needs_sites_map"))
            st.caption(t("needs_sites_map"))
        st.subheader(t("what_if"))
        power_off = st.checkbox(t("what_if_power"), key="what_if_power")
        heat_text = st.text_input(t("what_if_heat"), key="what_if_heat").strip()
        heat_at = None
        if heat_text:
            try:
                heat_at = pd.Timestamp(heat_text)
                heat_at = heat_at.tz_localize("UTC") if heat_at.tzinfo is None else heat_at.tz_convert("UTC")
            except (ValueError, TypeError):
                st.error(t("what_if_bad_time", value=support.plain(heat_text)))
        if power_off or heat_at is not None:
            scenario = needs.Scenario(power_off_hours=24.0 if power_off else 0.0, heat_returns_at=heat_at)
            st.caption(t("what_if_caption"))
            st.dataframe(needs.what_if(result, needs.needs_params(), scenario, inputs.sites), hide_index=True,
                         key="what_if_table")


# --------------------------------------------------------------------------- about

with tab_about:
    st.markdown(t("about"))
    if shown.published is not None:
        files = shown.published.manifest.get("inputs", {})
        listed = ", ".join(f"{role}: {v.get('file')}" for role, v in files.items())
        st.caption(t("published_inputs", files=support.plain(listed)))
    else:
        st.code(support.cli_command(params, default_params, sources), language="bash")
