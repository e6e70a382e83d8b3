"""Fixtures for the app tests: the real ``app.py`` under AppTest, and a real server and browser.

Offline: ``tests/conftest.py`` blocks every non-loopback connection in this process (autouse);
the Streamlit server subprocess gets the same guard through ``tests/netblock`` on its
PYTHONPATH, and the browser aborts every request that does not go to 127.0.0.1 (so the map is
tested without its basemap tiles).

Browser tests need Debian's ``chromium`` (``apt-get install -y chromium``; never
``playwright install``). Without it they fail; ``HEATNEED_ALLOW_SKIP=1`` turns that into a skip
for local work, as everywhere in this project.
"""

from __future__ import annotations

import os
import shutil
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path
from urllib.parse import urlparse

import pytest
from appcheck import recording_media_managers, recording_media_storage, wait_idle

ROOT = Path(__file__).resolve().parents[2]
APP = ROOT / "app.py"
NETBLOCK = ROOT / "tests" / "netblock"
LOOPBACK_HOSTS = {"127.0.0.1", "localhost", "::1"}
CHROMIUM_ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
                 "--disable-component-update", "--disable-sync", "--no-first-run", "--disable-default-apps"]


def pytest_configure(config):
    config.addinivalue_line("markers", "browser: drives the app in Debian's chromium through Playwright")


# --------------------------------------------------------------------------- AppTest

@pytest.fixture(autouse=True)
def nothing_published(tmp_path, monkeypatch):
    """Each test starts with an empty published folder of its own (tests publish into it)."""
    folder = tmp_path / "published"
    monkeypatch.setenv("HEATNEED_OUTPUT_DIR", str(folder))
    return folder


@pytest.fixture(autouse=True)
def clear_data_cache():
    """``st.cache_data`` is process-wide and would leak between AppTests (streamlit issue #9139).

    ``st.cache_resource`` is kept: the app keys it by content hashes of inputs and settings, so a
    value from another test is the right value, and re-parsing the forecast per test is slow.
    """
    import streamlit as st

    st.cache_data.clear()


@pytest.fixture
def app(monkeypatch):
    """``app()`` runs ``app.py`` once and returns the AppTest (keyword args preset session state).

    ``at.media_stores`` and ``at.media_managers`` hold the media stores and managers of its runs,
    for ``appcheck.downloaded``.
    """
    from streamlit.testing.v1 import AppTest, app_test

    stores: list = []
    managers: list = []
    monkeypatch.setattr(app_test, "MemoryMediaFileStorage", recording_media_storage(stores))
    monkeypatch.setattr(app_test, "MediaFileManager", recording_media_managers(managers))

    def run(**state):
        at = AppTest.from_file(str(APP), default_timeout=120)
        at.media_stores, at.media_managers = stores, managers
        for key, value in state.items():
            at.session_state[key] = value
        return at.run()

    return run


# --------------------------------------------------------------------------- real server and browser

def free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def wait_healthy(url: str, proc: subprocess.Popen, timeout_s: float = 90.0) -> None:
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise RuntimeError(f"streamlit exited with code {proc.returncode}")
        try:
            with urllib.request.urlopen(f"{url}/_stcore/health", timeout=1) as response:
                if response.read() == b"ok":
                    return
        except OSError:
            pass
        time.sleep(0.2)
    raise TimeoutError(f"{url}/_stcore/health not ok after {timeout_s:g} s")


@pytest.fixture(scope="session")
def server(tmp_path_factory):
    """``streamlit run app.py`` on 127.0.0.1 and a free port, nothing published; yields its URL."""
    port = free_port()
    log_path = tmp_path_factory.mktemp("streamlit") / "server.log"
    env = dict(os.environ, HEATNEED_OUTPUT_DIR=str(tmp_path_factory.mktemp("published")))
    env["PYTHONPATH"] = os.pathsep.join([str(NETBLOCK), str(ROOT), env.get("PYTHONPATH", "")])
    command = [sys.executable, "-m", "streamlit", "run", str(APP), "--server.headless", "true",
               "--server.address", "127.0.0.1", "--server.port", str(port),
               "--browser.gatherUsageStats", "false", "--server.fileWatcherType", "none"]
    with open(log_path, "wb") as log:
        proc = subprocess.Popen(command, cwd=ROOT, env=env, stdout=log, stderr=subprocess.STDOUT)
    url = f"http://127.0.0.1:{port}"
    try:
        wait_healthy(url, proc)
    except Exception:
        proc.kill()
        raise RuntimeError(f"the app server did not start:\n{log_path.read_text(errors='replace')[-3000:]}")
    yield url
    proc.terminate()
    try:
        proc.wait(timeout=10)
    except subprocess.TimeoutExpired:
        proc.kill()


@pytest.fixture(scope="session")
def chromium_path() -> str:
    path = shutil.which("chromium")
    if path is None:
        message = ("Debian's chromium is not installed: apt-get install -y chromium "
                   "(never `playwright install`)")
        if os.environ.get("HEATNEED_ALLOW_SKIP"):
            pytest.skip(message)
        pytest.fail(message + "; set HEATNEED_ALLOW_SKIP=1 to skip browser tests locally")
    return path


@pytest.fixture(scope="session")
def browser(chromium_path):
    import browser_session  # one browser per process, shared with tests/hardening

    yield browser_session.acquire(chromium_path, CHROMIUM_ARGS)
    browser_session.release()


@pytest.fixture
def page(browser, server):
    """A fresh page on the app after its first run; requests leaving 127.0.0.1 are aborted.

    ``page.blocked_hosts`` lists the hosts the page tried to reach (map tiles, fonts…).
    """
    context = browser.new_context(viewport={"width": 1440, "height": 1000}, accept_downloads=True)
    new_page = context.new_page()
    blocked: list[str] = []

    def loopback_only(route):
        host = urlparse(route.request.url).hostname
        if host in LOOPBACK_HOSTS:
            route.continue_()
        else:
            blocked.append(host)
            route.abort()

    new_page.route("**/*", loopback_only)
    new_page.blocked_hosts = blocked
    new_page.goto(server)
    wait_idle(new_page)
    new_page.get_by_role("button", name="Download priority list (CSV)").wait_for(timeout=90_000)
    yield new_page
    context.close()
