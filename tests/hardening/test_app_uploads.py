"""Hostile uploads in the app: the corpus as uploads, file names that look like paths, the upload size
limit, unsafe HTML and XSRF.

The corpus files (tools/make_bad_inputs.py) go into the app's uploader of their role through
AppTest, the same injection the app tests use. The district registry's corpus files go through
the app's registry upload path in tests/app/test_app_registry.py.
"""

from __future__ import annotations

import ast
import tempfile
import tomllib
from pathlib import Path

import pytest
from appcheck import downloaded, shown
from hardening_support import CASES, CORPUS, ROOT, WriteRecorder, good_upload, mime_of, tree

from heatneed import app_support as support
from heatneed.errors import InputError

#: Report and forecast uploads, which the corpus covers; the outage-schedule uploads have their own
#: hostile files in tests/test_schedules.py and tests/app/test_app_schedules.py.
APP_ROLES = tuple(role for role in support.UPLOAD_ROLES if role not in support.SCHEDULE_ROLES)


def column_of(at, role: str):
    """The page column holding the uploader of ``role``: its messages belong to that upload."""
    for column in at.columns:
        if any(u.key == f"upload_{role}" for u in column.file_uploader):
            return column
    raise AssertionError(f"no uploader for {role}")


def column_errors(at, role: str) -> str:
    return "\n".join(shown(e.value) for e in column_of(at, role).error)


def in_use(at, role: str) -> str:
    return "\n".join(shown(c.value) for c in column_of(at, role).caption if shown(c.value).startswith("In use"))


def upload(at, role: str, name: str, data: bytes):
    return at.file_uploader(key=f"upload_{role}").set_value((name, data, mime_of(name))).run()


def test_the_app_offers_uploads_for_reports_forecasts_sites_and_outage_schedules_only(app):
    at = app()
    # the Calibrate tab's own, and the district registry's (its corpus: tests/app/test_app_registry.py)
    keys = {u.key for u in at.file_uploader} - {"upload_readings", "upload_outdoor", "upload_districts"}
    assert keys == {f"upload_{role}" for role in support.UPLOAD_ROLES} == {
        "upload_unheated", "upload_outages", "upload_forecast", "upload_warming_sites", "upload_outage_schedule",
        "upload_district_queues"}


@pytest.mark.parametrize("role", APP_ROLES)
def test_every_corpus_file_uploaded_in_the_app_gives_a_plain_error_and_keeps_the_last_good_data(app, role):
    """Good upload first; then each corpus file of this role. A bad one gets its message next to
    its uploader (naming the file, with the command line's wording), no traceback or exception,
    and the list and its download stay those of the last good upload. A hostile-but-valid one
    is taken and becomes the last good data."""
    cases = [c for c in CASES if c["role"] == role]
    assert cases
    at = app()
    embedded_csv = downloaded(at, "download_csv").content
    name, data = good_upload(role)
    upload(at, role, name, data)
    assert not at.exception and not column_errors(at, role)
    good_csv, good_name = downloaded(at, "download_csv").content, name
    assert good_csv != embedded_csv  # so falling back to the embedded data would show
    problems = []
    for case in cases:
        upload(at, role, case["file"], (CORPUS / case["file"]).read_bytes())
        message = column_errors(at, role)
        everything = "\n".join(shown(e.value) for e in at.error)
        csv = downloaded(at, "download_csv").content
        found = []
        if at.exception:
            found.append(f"exception: {[e.message for e in at.exception]}")
        if "Traceback" in everything or 'File "' in everything:
            found.append("a traceback is shown")
        if case["outcome"] == "ok":
            if message:
                found.append(f"refused: {message}")
            if in_use(at, role) != f"In use: {case['file']}":
                found.append(f"not in use: {in_use(at, role)!r}")
            good_csv, good_name = csv, case["file"]
        else:
            if f"“{case['file']}” was not used" not in message:
                found.append(f"no message next to the upload naming the file: {message!r}")
            if case["message"] not in message:
                found.append(f"message lacks {case['message']!r}: {message!r}")
            if csv != good_csv:
                found.append("the download changed")
            if in_use(at, role) != f"In use: {good_name}":
                found.append(f"in use: {in_use(at, role)!r}, expected {good_name}")
        problems += [f"{case['file']}: {line}" for line in found]
    assert not problems, "\n".join(problems)


@pytest.mark.parametrize("case", [c for c in CASES if c["role"] == "forecast" and c["outcome"] == "error"],
                         ids=lambda c: c["file"])
def test_upload_messages_name_the_upload_never_a_server_path(case):
    """A forecast upload read through a temporary file (NetCDF, GRIB) is named in messages by
    its uploaded name; the server's temporary folder is not shown to the user."""
    name = case["file"]
    with pytest.raises(InputError) as caught:
        support.load_sources({"forecast": support.Upload.of("forecast", name, (CORPUS / name).read_bytes())})
    problems = caught.value.problems
    assert problems and all(line.startswith(name) for line in problems), problems
    assert not any(tempfile.gettempdir() in line or "upload." in line for line in problems), problems


# --------------------------------------------------------------------------- file names are not paths

SCENARIO_FORECAST = ROOT / "data" / "scenarios" / "kyiv-2026-02" / "forecast.csv"
GRIDDED = ROOT / "tests" / "sources" / "fixtures" / "gridded"


def hostile_names(probe: Path) -> list[tuple[str, str, bytes, str]]:
    """(role, uploaded name, valid bytes, name the page must show). ``probe``: an absolute folder
    that must stay absent. The bytes are valid so that the whole path through the app runs,
    including the temporary file NetCDF and GRIB readers need."""
    unheated, outages = good_upload("unheated")[1], good_upload("outages")[1]
    return [
        ("unheated", "../../etc/passwd.csv", unheated, "passwd.csv"),
        ("outages", "..\\..\\windows\\system.ini.csv", outages, "system.ini.csv"),
        ("forecast", f"{probe}/absolute.csv", SCENARIO_FORECAST.read_bytes(), "absolute.csv"),
        ("forecast", f"../../../{probe.name}/relative.nc", (GRIDDED / "ensemble_global.nc").read_bytes(),
         "relative.nc"),
        ("forecast", f"{probe}/../{probe.name}/grid.grib2", (GRIDDED / "ensemble_kyiv.grib2").read_bytes(),
         "grid.grib2"),
        ("unheated", "name\nwith\tcontrols\u202e.csv", unheated, "namewithcontrols.csv"),
        ("outages", "x" * 300 + ".csv", outages, "x" * 76 + ".csv"),
    ]


def test_uploaded_file_names_are_never_used_as_paths(app, tmp_path, monkeypatch):
    """Names with ``..``, absolute paths, backslashes, control characters or 300 characters:
    every file the app writes is inside the temporary folder (left empty afterwards), nothing
    appears where a name points, and the page shows only the last part of the name."""
    cwd = tmp_path / "sandbox" / "a" / "b"
    cwd.mkdir(parents=True)
    temp = tmp_path / "temp"
    temp.mkdir()
    probe = Path(tempfile.gettempdir()) / f"heatneed-probe-{tmp_path.name}"
    monkeypatch.chdir(cwd)
    monkeypatch.setattr(tempfile, "tempdir", str(temp))
    at = app()
    before = tree(tmp_path)
    names = hostile_names(probe)
    with WriteRecorder() as writes:
        for role, name, data, expected in names:
            upload(at, role, name, data)
            assert not at.exception, (name, [e.message for e in at.exception])
            assert not column_errors(at, role), (name, column_errors(at, role))
            assert in_use(at, role) == f"In use: {expected}"
    outside = [(event, path) for event, path in writes if not Path(path).is_relative_to(temp)]
    assert not outside, outside
    assert {Path(p).suffix for _, p in writes} >= {".nc", ".grib2"}  # the grids were written, to temp
    assert list(temp.iterdir()) == []  # and removed
    assert tree(tmp_path) == before
    assert not probe.exists()


@pytest.mark.parametrize("name", ["unheated.csv\x00.exe", "unheated.exe"])
def test_a_crafted_name_streamlit_refuses_never_reaches_heatneed_and_loses_nothing(app, name):
    """A NUL byte or a type the uploader does not accept can only come from a crafted request
    (the browser filters by type). Streamlit refuses it inside ``st.file_uploader`` (its own
    exception ends that run; the page shows it redacted); heatneed never sees the file, writes
    nothing, and the last good upload stays the data in use."""
    good_name, good = good_upload("unheated")
    at = upload(app(), "unheated", good_name, good)
    with WriteRecorder() as writes:
        upload(at, "unheated", name, good)
    # Streamlit's own refusal (its message is redacted on the page; where it is logged depends on which
    # test configured Streamlit's logging first), not an error of heatneed's
    assert [e.proto.type for e in at.exception] == ["streamlit.errors.StreamlitAPIException"]
    assert writes == []
    assert at.session_state["sources"]["unheated"].name == good_name


# --------------------------------------------------------------------------- configuration and HTML

def streamlit_config() -> dict:
    return tomllib.loads((ROOT / ".streamlit" / "config.toml").read_text(encoding="utf-8"))


def test_upload_limit_is_at_most_100_mb_and_xsrf_protection_is_on_in_the_config():
    server = streamlit_config()["server"]
    assert 0 < server["maxUploadSize"] <= 100
    assert server["enableXsrfProtection"] is True


def test_streamlit_reads_these_settings_from_the_project_config(monkeypatch):
    """What ``streamlit run`` started in the repository uses (not only what the file says)."""
    from streamlit import config

    monkeypatch.chdir(ROOT)
    config.get_config_options(force_reparse=True)
    try:
        assert 0 < config.get_option("server.maxUploadSize") <= 100
        assert config.get_option("server.enableXsrfProtection") is True
    finally:
        config.get_config_options(force_reparse=True)


def python_sources() -> list[Path]:
    return [ROOT / "app.py", *sorted((ROOT / "heatneed").rglob("*.py"))]


#: Calls allowed to render HTML that is not a literal, each reviewed: built only from the message
#: catalogues, server options and constants, every catalogue text escaped as a CSS string.
REVIEWED_HTML = {"heatneed/ui/sidebar.py": "st.html(f'<style>{css}</style>')"}  # sidebar.uploader_css


def test_html_is_only_ever_rendered_from_constant_strings():
    """``unsafe_allow_html`` (any truthy value), ``st.html`` and ``components.html`` may only get
    string constants written in the source: never text built from data or uploads (``REVIEWED_HTML``
    lists the reviewed exceptions)."""
    offenders = []
    for path in python_sources():
        tree_ = ast.parse(path.read_text(encoding="utf-8"), str(path))
        for node in ast.walk(tree_):
            if not isinstance(node, ast.Call):
                continue
            where = f"{path.relative_to(ROOT)}:{node.lineno}"
            name = node.func.attr if isinstance(node.func, ast.Attribute) else getattr(node.func, "id", "")
            unsafe = [k for k in node.keywords if k.arg == "unsafe_allow_html"
                      and not (isinstance(k.value, ast.Constant) and not k.value.value)]
            if unsafe or name == "html":
                args = list(node.args) + [k.value for k in node.keywords if k.arg in ("body", "html")]
                reviewed = REVIEWED_HTML.get(str(path.relative_to(ROOT))) == ast.unparse(node)
                if not reviewed and (not args or not all(isinstance(a, ast.Constant) and isinstance(a.value, str)
                                                         for a in args)):
                    offenders.append(f"{where}: {ast.unparse(node)[:120]}")
    assert not offenders, offenders
    # A mention that is not a keyword argument (a dict spread into a call, getattr…) escapes the
    # check above: there must be none.
    mentions = sum(p.read_text(encoding="utf-8").count("unsafe_allow_html") for p in python_sources())
    keywords = sum(1 for p in python_sources() for n in ast.walk(ast.parse(p.read_text(encoding="utf-8")))
                   if isinstance(n, ast.keyword) and n.arg == "unsafe_allow_html")
    assert mentions == keywords
