"""Ten people at once: the Streamlit server on loopback, one Debian chromium, ten browser contexts
driven concurrently (asyncio), each uploading its own unheated-counts file through the page's
file uploader and downloading the priority list.

Each session's file names a different district, so each correct download is different: a
session that saw another's upload would download another's bytes. The sessions all upload before
any downloads, and download twice (at once after its upload, and after everyone's), so an
upload that leaked into other sessions' state would show. Fails, never skips, without chromium.

To keep ten renderers affordable on a small machine the browsers do not fetch the code that draws
charts, the map and highlighted code (Vega, deck.gl, the syntax highlighter): the server still
builds every element for every session, and the map is tested in tests/app/test_browser.py. One visit warms the server's caches first, as a
deployed app's first user does.
"""

from __future__ import annotations

import asyncio
import re
import threading
import time
from urllib.parse import urlparse

import pandas as pd
import pytest
from appcheck import open_tab_async
from hardening_support import SCENARIO, unheated_counts

from heatneed import pipeline
from heatneed.config import model_params
from heatneed.export import priority_bytes

pytestmark = pytest.mark.browser

SESSIONS = 10
#: Script chunks that draw charts, the map and highlighted code: not fetched by the load-test browsers.
DRAWING_CODE = re.compile(r"/static/js/(ArrowVegaLiteChart|DeckGlJsonChart|embed|loadVegaEmbed|vega-interpreter"
                          r"|StreamlitSyntaxHighlighter)\.")
CODES = pd.read_csv(SCENARIO / "districts.csv", dtype=str)["district_code"].tolist()
LOOPBACK = {"127.0.0.1", "localhost", "::1"}
#: Generous: the test checks that sessions stay apart, not speed (bench_app measures that); ten
#: sessions re-running a full page on a 2-core machine under a test suite can take over 90 s.
TIMEOUT_MS = 180_000


def session_upload(i: int) -> tuple[str, bytes]:
    """Session i's report: only district i has unheated buildings (a different count each)."""
    return f"unheated_session_{i:02d}.csv", unheated_counts([CODES[i]], 150 + 37 * i)


def expected_download(name: str, data: bytes) -> bytes:
    """The CSV the app must give for that upload: the command line's bytes (``priority_bytes``)."""
    inputs = pipeline.load_inputs(unheated=data, names={"unheated": name})
    return priority_bytes(pipeline.rank(inputs, model_params()).priority)


async def idle(page) -> None:
    await page.locator("[data-testid='stApp'][data-test-script-state='notRunning']").wait_for(timeout=TIMEOUT_MS)


async def download_csv(page) -> bytes:
    """The CSV download of the page's list. A tab switch reruns the page (tracked tabs); a click that
    lands while the rerun redraws the button gets a cancelled download (Streamlit replaces the
    button's file), so the download is tried again, up to three times, after the page is idle."""
    from playwright.async_api import Error

    # The tab switch reruns the page (tracked tabs); until that run is over the tab may show the
    # elements of its last drawing (a button of the list before the upload): wait for the whole run.
    await open_tab_async(page, "Priority list", TIMEOUT_MS)
    for attempt in range(3):
        await idle(page)
        try:
            async with page.expect_download(timeout=TIMEOUT_MS) as info:
                await page.get_by_role("button", name="Download priority list (CSV)").click()
            download = await info.value
            with open(await download.path(), "rb") as fh:
                return fh.read()
        except Error as exc:
            if "canceled" not in str(exc) or attempt == 2:
                raise
            await page.wait_for_timeout(1000)


async def in_use(page) -> list[str]:
    """The "In use:" lines of the inputs tab. The tab switch reruns the page (tracked tabs), and
    under this load that run can start after the page first looks idle; the lines are drawn at the
    end of the tab's run (placeholders filled once the editors are known), so they are read once
    the page is idle with all four uploaders' lines drawn (or, failing that, as they are at the end)."""
    await open_tab_async(page, "Inputs", TIMEOUT_MS)
    lines = []
    for _ in range(int(TIMEOUT_MS / 1000)):
        await idle(page)
        lines = [t.strip() for t in await page.get_by_text(re.compile(r"^In use: ")).all_inner_texts()]
        if len(lines) == 4:
            break
        await page.wait_for_timeout(1000)
    return lines


async def open_app(browser, url: str, blocked: list[str]):
    """A new context (its own cookies: another person) with the app loaded and idle."""
    context = await browser.new_context(viewport={"width": 1280, "height": 900}, accept_downloads=True)
    page = await context.new_page()

    async def loopback_only(route):
        if urlparse(route.request.url).hostname not in LOOPBACK:
            blocked.append(route.request.url)
            await route.abort()
        elif DRAWING_CODE.search(route.request.url):
            await route.abort()
        else:
            await route.continue_()

    await page.route("**/*", loopback_only)
    await page.goto(url, timeout=TIMEOUT_MS)
    await page.get_by_role("button", name="Download priority list (CSV)").wait_for(timeout=TIMEOUT_MS)
    await idle(page)
    return context, page


async def load(url: str, chromium: str, args: list[str]) -> tuple[list[dict], dict]:
    from playwright.async_api import async_playwright

    uploaded = asyncio.Event()
    waiting = [SESSIONS]
    timings = {}

    async def one(browser, i: int) -> dict:
        name, data = session_upload(i)
        seen = {"name": name, "blocked": []}
        context, page = await open_app(browser, url, seen["blocked"])
        try:
            # The tab switch reruns the page (tracked tabs): the uploader must not be redrawn under
            # the file being set, so wait until that run is over.
            await open_tab_async(page, "Inputs", TIMEOUT_MS)
            await page.get_by_text(re.compile(r"^In use: ")).first.wait_for(timeout=TIMEOUT_MS)
            await page.locator("[data-testid='stFileUploaderDropzoneInput']").first.set_input_files(
                files=[{"name": name, "mimeType": "text/csv", "buffer": data}])
            await page.get_by_text(f"In use: {name}", exact=True).wait_for(timeout=TIMEOUT_MS)
            await idle(page)
            seen["first"] = await download_csv(page)
            waiting[0] -= 1
            if waiting[0] == 0:
                timings["all uploaded"] = time.monotonic()
                uploaded.set()
            await asyncio.wait_for(uploaded.wait(), 3 * TIMEOUT_MS / 1000)  # everyone has uploaded
            seen["again"] = await download_csv(page)
            seen["in_use"] = await in_use(page)
            seen["text"] = await page.locator("[data-testid='stApp']").inner_text()
            return seen
        finally:
            await context.close()

    async with async_playwright() as pw:
        browser = await pw.chromium.launch(executable_path=chromium, args=args)
        try:
            timings["start"] = time.monotonic()
            context, _ = await open_app(browser, url, [])  # warm-up visit
            await context.close()
            timings["warm"] = time.monotonic()
            sessions = await asyncio.gather(*(one(browser, i) for i in range(SESSIONS)))
            timings["done"] = time.monotonic()
            return sessions, timings
        finally:
            await browser.close()


def test_ten_concurrent_sessions_each_see_only_their_own_upload(server, chromium_path, chromium_args):
    expected = {session_upload(i)[0]: expected_download(*session_upload(i)) for i in range(SESSIONS)}
    assert len(set(expected.values())) == SESSIONS  # every session's correct answer is its own
    box = {}

    def drive():  # the event loop in a thread of its own, apart from any sync Playwright in this process
        try:
            box["sessions"] = asyncio.run(load(server, chromium_path, chromium_args))
        except BaseException as exc:
            box["error"] = exc

    started = time.monotonic()
    worker = threading.Thread(target=drive, daemon=True)
    worker.start()
    worker.join(360)
    took = time.monotonic() - started
    assert not worker.is_alive(), f"sessions still running after {took:.0f} s"
    if "error" in box:
        raise box["error"]
    sessions, timings = box["sessions"]
    assert len(sessions) == SESSIONS
    names = set(expected)
    for seen in sessions:
        mine = seen["name"]
        assert seen["first"] == expected[mine], f"{mine}: first download is not its own list"
        assert seen["again"] == expected[mine], f"{mine}: download after the others' uploads changed"
        # the other report, forecast and warming-sites uploaders show the embedded scenario in use
        assert seen["in_use"] == [f"In use: {mine}"] + ["In use: embedded scenario (kyiv-2026-02)"] * 3, \
            seen["in_use"]
        assert [n for n in names - {mine} if n in seen["text"]] == [], f"{mine} shows another session's file"
        assert all(urlparse(u).hostname not in LOOPBACK for u in seen["blocked"])
    print(f"\nload: warm-up {timings['warm'] - timings['start']:.1f} s; {SESSIONS} sessions: all uploaded after "
          f"{timings['all uploaded'] - timings['warm']:.1f} s, all done after {timings['done'] - timings['warm']:.1f} s")
