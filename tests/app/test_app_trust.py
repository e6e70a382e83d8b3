"""Issue 11 in the app (AppTest): the header names the embedded inputs and the forecast's real age."""

from __future__ import annotations


def test_app_shows_the_stale_age_and_the_warning(app):
    at = app()
    warnings = "\n".join(w.value for w in at.warning)
    assert "ILLUSTRATIVE" in warnings and "district registry, unheated buildings, power outages, forecast" in warnings
    assert "STALE forecast: issued" in warnings and "older than the 24 h limit" in warnings
    markdown = "\n".join(m.value for m in at.markdown)
    assert " h old)" in markdown and "0.0 h old" not in markdown
