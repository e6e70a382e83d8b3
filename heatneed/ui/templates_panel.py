"""Under each uploader: the columns a file needs and template files to start from (``heatneed.templates``)."""

from __future__ import annotations

import streamlit as st

from heatneed import templates
from heatneed.ui.state import t

XLSX_MIME = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def columns_and_templates(role: str, lang: str) -> None:
    """The role's required and optional columns (headers in the page's language) and its template
    files (CSV and Excel, headers in the page's language) under the uploader."""
    tongue = lang if lang in templates.LANGS else "en"
    with st.expander(t("template_title"), expanded=False):
        if role in templates.NOTE:
            st.caption(t(templates.NOTE[role]))
        columns = templates.columns(role)
        for required, key in ((True, "columns_required"), (False, "columns_optional")):
            names = [templates.column_label(c, tongue) for c, r in columns.items() if r is required]
            if names:
                st.markdown(t(key, columns=", ".join(names)))
        st.caption(t("template_dates"))
        left, right = st.columns(2)
        for place, fmt, mime in ((left, "csv", "text/csv"), (right, "xlsx", XLSX_MIME)):
            place.download_button(t(f"template_{fmt}"), templates.shipped(role, tongue, fmt),
                                  templates.file_name(role, tongue, fmt), mime, key=f"template_{role}_{fmt}",
                                  on_click="ignore")
