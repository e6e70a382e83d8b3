"""The inputs tab: uploads (kept only when the whole input set validates) and the report editor."""

from __future__ import annotations

import pandas as pd
import streamlit as st

from heatneed import app_support as support
from heatneed import i18n, pipeline
from heatneed.errors import InputError
from heatneed.inputs import OUTAGE_STATUSES
from heatneed.ui.state import inputs_of, show_problems, ss, t, to_model


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


def render(lang: str) -> dict:
    """Draw the tab; return the edited reports in use (role -> Upload), empty when there are none."""
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

    edits = report_editor(lang)
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
    return edits


def report_editor(lang: str) -> dict:
    """The editor of the unheated and outage reports; the last good edit (role -> Upload) in use."""
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
    return edits
