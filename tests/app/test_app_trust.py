"""Issue 11 in the app (AppTest): the header names the embedded inputs and the forecast's real age."""

from __future__ import annotations


def test_app_shows_the_stale_age_and_the_warning(app):
    at = app()
    warnings = "\n".join(w.value for w in at.warning)
    assert "ILLUSTRATIVE" in warnings and "district registry, unheated buildings, power outages, forecast" in warnings
    assert "STALE forecast: issued" in warnings and "older than the 24 h limit" in warnings
    markdown = "\n".join(m.value for m in at.markdown)
    assert " h old)" in markdown and "0.0 h old" not in markdown


def test_two_sessions_uploading_the_same_bytes_see_their_own_file_name(app):
    """The cache is shared by sessions; what it returns must not carry another session's name."""
    from pathlib import Path

    data = (Path(__file__).resolve().parents[2] / "data" / "scenarios" / "kyiv-2026-02" / "forecast.csv").read_bytes()
    names = []
    for name in ("first-session.csv", "second-session.csv"):
        at = app()
        at.file_uploader(key="upload_forecast").set_value((name, data, "text/csv")).run()
        assert not at.exception and not at.error
        names.append("\n".join(m.value for m in at.markdown if "Forecast source" in m.value))
    assert "file:first-session.csv" in names[0] and "second-session" not in names[0]
    assert "file:second-session.csv" in names[1] and "first-session" not in names[1]
