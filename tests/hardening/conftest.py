"""Fixtures for the hardening tests: those of tests/app and tests/refresh, reused, not copied.

pytest only shows a conftest's fixtures to tests below it, so the two conftest files are loaded
here under their own module names and the fixtures needed are re-exported:

- from tests/app: ``app`` (the real ``app.py`` under AppTest), ``server`` (``streamlit run
  app.py`` on loopback), ``browser`` / ``chromium_path`` (Debian chromium through Playwright; a
  missing chromium fails), ``page``, and the autouse ``nothing_published`` (HEATNEED_OUTPUT_DIR
  is an empty folder per test) and ``clear_data_cache``;
- from tests/refresh: ``run`` (``python -m heatneed`` in-process: exit code and stderr) and
  ``published`` (an output folder holding one good published run).

The refresh conftest's own ``no_network`` is not taken: tests here need loopback servers, and
the root conftest already blocks everything else.
"""

from __future__ import annotations

import importlib.util
import sys
from pathlib import Path

import pytest

TESTS = Path(__file__).resolve().parents[1]
for helpers in (TESTS / "app", TESTS / "refresh"):  # appcheck.py, refresh_support.py
    if str(helpers) not in sys.path:
        sys.path.insert(0, str(helpers))


def _load(path: Path, name: str):
    spec = importlib.util.spec_from_file_location(name, path)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


_app = _load(TESTS / "app" / "conftest.py", "heatneed_tests_app_conftest")
_refresh = _load(TESTS / "refresh" / "conftest.py", "heatneed_tests_refresh_conftest")

app, server, chromium_path, browser, page = _app.app, _app.server, _app.chromium_path, _app.browser, _app.page
nothing_published, clear_data_cache = _app.nothing_published, _app.clear_data_cache  # autouse
run, published, _published_once = _refresh.run, _refresh.published, _refresh._published_once


@pytest.fixture(scope="session")
def chromium_args() -> list[str]:
    """The flags tests/app launches Debian's chromium with (headless, no sandbox, no GPU…)."""
    return list(_app.CHROMIUM_ARGS)


def pytest_configure(config):
    config.addinivalue_line("markers", "browser: drives the app in Debian's chromium through Playwright")
