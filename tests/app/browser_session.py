"""One Playwright driver and one chromium per test session, whichever conftest asks first.

tests/hardening loads tests/app/conftest.py under another module name, so its ``browser`` fixture
is a second fixture; a second sync Playwright started in the same thread fails ("Sync API inside
the asyncio loop"). This module is imported normally, so its state exists once per process.
"""

from __future__ import annotations

_state: dict = {}


def acquire(executable_path: str, args: list[str]):
    """The session's browser, launched on first use."""
    if "browser" not in _state:
        from playwright.sync_api import sync_playwright

        driver = sync_playwright().start()
        _state.update(driver=driver, users=0,
                      browser=driver.chromium.launch(executable_path=executable_path, args=args))
    _state["users"] += 1
    return _state["browser"]


def release() -> None:
    """Close the browser when its last user is done."""
    _state["users"] -= 1
    if _state["users"] == 0:
        _state.pop("browser").close()
        _state.pop("driver").stop()
