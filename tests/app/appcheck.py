"""Reading what the app shows, for the AppTest and browser tests (imported by name: no package)."""

from __future__ import annotations

import re

import pandas as pd


def priority_table(at) -> pd.DataFrame:
    """The ranked table on screen (the dataframe with a severity label column), index district_code."""
    for frame in at.dataframe:
        value = frame.value
        if "severity_label" in value.columns:
            return value
    raise AssertionError("no priority table on the page")


def recording_media_storage(stores: list):
    """A ``MemoryMediaFileStorage`` that appends each instance to ``stores``.

    AppTest does not expose a download's bytes: each run keeps them in the in-memory media store
    of a mock runtime that is dropped afterwards. The ``app`` fixture installs this class in its
    place so that ``downloaded`` can read the bytes of the last run.
    """
    from streamlit.runtime.memory_media_file_storage import MemoryMediaFileStorage

    class Recording(MemoryMediaFileStorage):
        def __init__(self, media_endpoint: str) -> None:
            super().__init__(media_endpoint)
            stores.append(self)

    return Recording


def recording_media_managers(managers: list):
    """A ``MediaFileManager`` that appends each instance to ``managers``: a deferred download (made
    when its button is clicked) is made through the manager of the run that drew the button."""
    from streamlit.runtime.media_file_manager import MediaFileManager

    class Recording(MediaFileManager):
        def __init__(self, storage) -> None:
            super().__init__(storage)
            managers.append(self)

    return Recording


def downloaded(at, key: str, *, deferred: bool | None = None):
    """The file behind a download button in the last run: ``content`` (bytes) and ``filename``.

    A deferred button (its bytes made on click) is clicked as the browser does. ``deferred``:
    assert that the button is (True) or is not (False) deferred; None: either."""
    proto = at.download_button(key=key).proto
    if deferred is not None:
        assert bool(proto.deferred_file_id) == deferred and bool(proto.url) != deferred, proto
    url = proto.url or at.media_managers[-1].execute_deferred(proto.deferred_file_id)
    return at.media_stores[-1].get_file(url.rsplit("/", 1)[-1])


def shown(markdown: str) -> str:
    """Markdown source as the reader sees it: backslash escapes removed, code spans (how the app
    shows text from files literally) without their fences."""
    text = re.sub(r"(`+) ?(.*?) ?\1(?!`)", r"\2", markdown)
    return re.sub(r"\\(.)", r"\1", text) if text == markdown else text


def errors_text(at) -> str:
    return shown("\n".join(e.value for e in at.error))


def captions(at) -> list[str]:
    return [shown(c.value) for c in at.caption]


def wait_idle(page, timeout_ms: int = 90_000) -> None:
    """Wait until the app's script has finished its run."""
    page.locator("[data-testid='stApp'][data-test-script-state='notRunning']").wait_for(timeout=timeout_ms)


#: Records in the page when the script's next run has ended: any change of the app's script state
#: away from "running" (read from each change's old value, so a quick run whose two changes arrive
#: together is not missed).
WATCH_RUN_END = """() => {
  const app = document.querySelector("[data-testid='stApp']");
  window.__heatneedRunEnded = false;
  new MutationObserver((records, observer) => {
    for (const r of records) {
      if (r.oldValue === "running" && app.getAttribute("data-test-script-state") !== "running") {
        window.__heatneedRunEnded = true;
        observer.disconnect();
        return;
      }
    }
  }).observe(app, {attributes: true, attributeFilter: ["data-test-script-state"], attributeOldValue: true});
}"""
#: True once the run has ended (seen by ``WATCH_RUN_END``) or while a run is going on (read afresh:
#: a page that redrew its app element under load leaves the observer watching the old one).
RUN_SEEN = ("window.__heatneedRunEnded === true || document.querySelector(\"[data-testid='stApp']\")"
            "?.getAttribute('data-test-script-state') === 'running'")
#: How long a tab switch's run may take to start [ms]; after that the page is taken as it is.
RUN_START_MS = 15_000


def open_tab(page, name: str, timeout_ms: int = 90_000) -> None:
    """Open the tab ``name`` as a user does and wait for the run it starts (the tabs are tracked:
    switching reruns the page) to end, so that nothing is uploaded into, clicked on or read from
    the tab's previous drawing. An already open tab: only waits until the page is idle."""
    from playwright.sync_api import TimeoutError as Timeout

    tab = page.get_by_role("tab", name=name)
    if tab.get_attribute("aria-selected") != "true":
        page.evaluate(WATCH_RUN_END)
        tab.click()
        try:
            page.wait_for_function(RUN_SEEN, timeout=RUN_START_MS, polling=50)
        except Timeout:
            pass  # no run seen starting: the page as it is (idle below)
    wait_idle(page, timeout_ms)


async def open_tab_async(page, name: str, timeout_ms: int = 90_000) -> None:
    """``open_tab`` for the async Playwright API (the load test)."""
    from playwright.async_api import TimeoutError as Timeout

    tab = page.get_by_role("tab", name=name)
    if await tab.get_attribute("aria-selected") != "true":
        await page.evaluate(WATCH_RUN_END)
        await tab.click()
        try:
            await page.wait_for_function(RUN_SEEN, timeout=RUN_START_MS, polling=50)
        except Timeout:
            pass
    await page.locator("[data-testid='stApp'][data-test-script-state='notRunning']").wait_for(timeout=timeout_ms)
