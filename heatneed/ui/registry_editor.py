"""The district registry in the inputs tab: view, edit, upload and download it (``heatneed.app_registry``).

Edits and uploads are validated with the other inputs in use, exactly as a file given to
``rank --districts``; a rejected edit shows its problem lines next to the table and the last good
registry stays in use.
"""

from __future__ import annotations

import streamlit as st

from heatneed import app_registry as registry
from heatneed import app_support as support
from heatneed.errors import InputError
from heatneed.ui.templates_panel import columns_and_templates
from heatneed.ui.state import derived, inputs_of, show_problems, ss, t, to_model



def render(lang: str, edits: dict, take_upload) -> dict:
    """Draw the registry part; return ``edits`` with the registry edit in use (role ``districts``)
    added. ``take_upload(role, file)``: the inputs tab's handler (validates the whole input set)."""
    ss.setdefault("registry_edit", None)  # (editor key, Upload) of the last good edit
    ss.setdefault("registry_errors", [])
    st.subheader(t("registry_title"))
    st.caption(t("registry_help"))
    take_upload("districts", st.file_uploader(t("upload_districts"), type=support.UPLOAD_TYPES["districts"],
                                              help=t("registry_help"), key="upload_districts"))
    columns_and_templates("districts", lang)
    if "districts" in ss.upload_errors:
        name, problems = ss.upload_errors["districts"]
        show_problems(t("upload_rejected", name=support.plain(name)), problems)

    base_sources = {**ss.sources, **edits}
    base_inputs = inputs_of(base_sources)
    base = derived(base_inputs, "editable_registry", registry.editable_registry, base_inputs).copy()
    current = ss.sources.get("districts")
    key = f"registry_{ss.generation}_{current.digest[:12] if current else 'embedded'}"  # a new registry: afresh
    number = st.column_config.NumberColumn  # no min/max: the reader's checks report out-of-range values
    edited = st.data_editor(
        base, key=key, on_change=to_model, hide_index=True, num_rows="fixed",
        disabled=["district_code", *(c for c in base.columns if c not in registry.EDITABLE)],  # never a silent revert
        placeholder="—",
        column_config={
            "district_code": st.column_config.TextColumn(t("registry_code")),
            "district_name": st.column_config.TextColumn(t("registry_name")),
            "district_name_uk": st.column_config.TextColumn(t("registry_name_uk")),
            "admin1_code": st.column_config.TextColumn(t("registry_admin1")),
            "lat": number(t("registry_lat"), format="%.4f"),
            "lon": number(t("registry_lon"), format="%.4f"),
            "population": number(t("registry_population"), format="%d"),
            "buildings_residential": number(t("registry_buildings"), format="%d"),
            "share_65plus": number(t("registry_share_65plus"), format="%.2f"),
            "warming_places": number(t("registry_warming_places"), format="%d"),
            "tau_hours": number(t("registry_tau"), format="%.0f"),
        })
    edited.index = base.index
    upload = registry.edited_registry(base_inputs, ss.sources, edited)
    if upload is None:
        ss.registry_edit, ss.registry_errors = None, []
    elif not ss.registry_edit or ss.registry_edit[0] != key or ss.registry_edit[1].digest != upload.digest:
        try:
            inputs_of({**base_sources, "districts": upload})
            ss.registry_edit, ss.registry_errors = (key, upload), []
        except InputError as exc:
            ss.registry_errors = exc.problems
    if ss.registry_errors:
        show_problems(t("registry_rejected"), ss.registry_errors)
    in_use = dict(edits)
    if ss.registry_edit and ss.registry_edit[0] == key:
        in_use["districts"] = ss.registry_edit[1]
        st.caption(t("registry_in_use_edited"))
    in_use_sources = {**ss.sources, **in_use}
    in_use_inputs = inputs_of(in_use_sources)
    name, data = derived(in_use_inputs, f"registry_download_{support.sources_key(in_use_sources)}",
                         registry.registry_download, in_use_inputs, in_use_sources)
    st.download_button(t("registry_download", name=support.plain(name)), data, name, "text/csv",
                       key="download_districts", on_click="ignore")
    return in_use
