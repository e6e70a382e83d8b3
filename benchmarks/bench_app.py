"""Benchmark of the Streamlit app (issues 4, 13): time to first render and to re-rank after a setting.

    python benchmarks/bench_app.py                 # AppTest measurements, 5 runs each, embedded scenario (10 districts)
    python benchmarks/bench_app.py --districts 1469        # a synthetic country (bench_rank.py's inputs)
    python benchmarks/bench_app.py --repeats 9 --browser   # also a real server and Debian chromium

One JSON line per measurement, with the median and every run [s]:

- ``first_render_new_process``: a fresh Python process imports the app and runs it once under
  AppTest on the embedded scenario (imports, parsing the forecast, ranking, drawing): what the
  first visitor after a restart waits for, less the browser.
- ``first_render_new_session``: a new session in a warm process (caches filled): every later
  visitor.
- ``rerank_after_setting``: one session changes τ to a value not seen before, so the model runs
  again (no cache hit) and the page is redrawn; ``rerank_after_horizon``: the same after a new
  horizon, which changes every kernel pass (the τ band's too).
- with ``--browser``: ``browser_first_render`` (page opened until the priority list's download
  button shows) and ``browser_rerank_after_setting`` (τ typed into its box until the script has
  run and the page is idle again), against ``streamlit run app.py`` on 127.0.0.1.

Nothing is published in the output folder used (a temporary one), so the app ranks the embedded
scenario (10 districts). With ``--districts N`` the session opens on N synthetic hromadas instead:
``bench_rank.write_scenario`` writes the registry, unheated and outage CSVs and a float32 NetCDF
ensemble (``--hours``, default 168, × ``--members``, default 51) to a temporary folder, and every
session starts with them as its uploads (``st.session_state["sources"]``, the state the inputs tab
leaves after uploading those files): the same parsing, validation and ranking as an upload, without
a browser driving the file pickers. The browser measurements use the embedded scenario only.
Not a test: no thresholds, numbers only.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
APP = ROOT / "app.py"

ONE_RUN = """
import sys, time
t = time.perf_counter()
sys.path.insert(0, {bench!r})
from bench_app import new_session
at = new_session({folder!r}).run()
assert not at.exception, at.exception
print(time.perf_counter() - t)
"""


def scenario_uploads(folder: str | None) -> dict:
    """role -> ``Upload`` of every input file in ``folder`` (written by ``write_scenario``); {} for none."""
    if not folder:
        return {}
    from heatneed.app_support import Upload

    return {path.stem: Upload.of(path.stem, path.name, path.read_bytes()) for path in sorted(Path(folder).iterdir())
            if path.stem in ("districts", "unheated", "outages", "forecast")}


_UPLOADS: dict = {}


def new_session(folder: str | None):
    """A new AppTest session of the app, opened on the inputs in ``folder`` (None: embedded scenario).

    The uploads are read and hashed once per process, as the server holds an uploaded file once.
    """
    from streamlit.testing.v1 import AppTest

    at = AppTest.from_file(str(APP), default_timeout=300)
    if folder:
        if folder not in _UPLOADS:
            _UPLOADS[folder] = scenario_uploads(folder)
        at.session_state["sources"] = dict(_UPLOADS[folder])
    return at


# Records in the page when the script has started running and then finished again: a quick run may be
# over before a locator polling for "running" looks (which then waited out its timeout).
WATCH_RUN = """() => {
  const app = document.querySelector("[data-testid='stApp']");
  window.__heatneedRunDone = false;
  let started = false;
  new MutationObserver((_, observer) => {
    const state = app.getAttribute("data-test-script-state");
    if (state === "running") started = true;
    else if (started && state === "notRunning") { window.__heatneedRunDone = true; observer.disconnect(); }
  }).observe(app, {attributes: true, attributeFilter: ["data-test-script-state"]});
}"""


def report(name: str, runs: list[float], via: str) -> None:
    print(json.dumps({"benchmark": name, "median_s": round(statistics.median(runs), 3),
                      "runs_s": [round(r, 3) for r in runs], "n": len(runs), "via": via,
                      "load_1min": round(os.getloadavg()[0], 2)}), flush=True)


def first_render_new_process(repeats: int, env: dict, folder: str | None = None) -> list[float]:
    runs = []
    for _ in range(repeats):
        code = ONE_RUN.format(bench=str(Path(__file__).resolve().parent), folder=folder)
        out = subprocess.run([sys.executable, "-c", code], cwd=ROOT, env=env,
                             capture_output=True, text=True, check=True)
        runs.append(float(out.stdout.strip().splitlines()[-1]))
    return runs


#: The settings a re-rank is measured after, each set to a value not seen before (no cache hit): τ
#: (the building's time constant: the list and the indoor curves change, the τ band does not) and
#: the horizon (every kernel pass changes).
RERANK_SETTINGS = {"rerank_after_setting": ("set_tau_hours", lambda i: 60.0 + i),
                   "rerank_after_horizon": ("set_horizon_hours", lambda i: 78.0 + 6 * i)}


def in_process(repeats: int, folder: str | None = None) -> tuple[list[float], dict[str, list[float]]]:
    """(first renders of new sessions, {measurement: re-rank times}) [s]."""
    new_session(folder).run()  # fill the caches
    sessions = []
    for _ in range(repeats):
        at = new_session(folder)
        t = time.perf_counter()
        at.run()
        sessions.append(time.perf_counter() - t)
        assert not at.exception, at.exception
    reranks = {}
    for name, (key, value) in RERANK_SETTINGS.items():
        reranks[name] = []
        for i in range(repeats):
            box = at.number_input(key=key).set_value(value(i))
            t = time.perf_counter()
            box.run()
            reranks[name].append(time.perf_counter() - t)
            assert not at.exception, at.exception
    return sessions, reranks


def in_browser(repeats: int, env: dict) -> tuple[list[float], list[float]]:
    import socket
    import urllib.request

    from playwright.sync_api import sync_playwright

    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    server = subprocess.Popen(
        [sys.executable, "-m", "streamlit", "run", str(APP), "--server.headless", "true", "--server.address",
         "127.0.0.1", "--server.port", str(port), "--browser.gatherUsageStats", "false",
         "--server.fileWatcherType", "none"], cwd=ROOT, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    url = f"http://127.0.0.1:{port}"
    try:
        for _ in range(600):
            try:
                if urllib.request.urlopen(f"{url}/_stcore/health", timeout=1).read() == b"ok":
                    break
            except OSError:
                time.sleep(0.1)
        firsts, reranks = [], []
        with sync_playwright() as pw:
            browser = pw.chromium.launch(executable_path="/usr/bin/chromium", args=[
                "--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
                "--disable-component-update", "--disable-sync", "--no-first-run"])
            for i in range(repeats + 1):  # the first visit fills the server's caches: not counted
                context = browser.new_context(viewport={"width": 1440, "height": 1000})
                page = context.new_page()
                t = time.perf_counter()
                page.goto(url)
                page.get_by_role("button", name="Download priority list (CSV)").wait_for(timeout=300_000)
                if i:
                    firsts.append(time.perf_counter() - t)
                    box = page.get_by_role("spinbutton", name="Building time constant τ [h]")
                    box.fill(str(60 + i))
                    page.evaluate(WATCH_RUN)
                    t = time.perf_counter()
                    box.press("Enter")
                    page.wait_for_function("window.__heatneedRunDone === true", timeout=300_000, polling=20)
                    reranks.append(time.perf_counter() - t)
                context.close()
            browser.close()
        return firsts, reranks
    finally:
        server.terminate()
        server.wait(timeout=10)


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--repeats", type=int, default=5, help="runs per measurement (≥ 5; default 5)")
    parser.add_argument("--browser", action="store_true", help="also measure in Debian chromium (embedded scenario)")
    parser.add_argument("--districts", type=int, help="open the app on this many synthetic districts "
                        "(default: the embedded scenario's 10)")
    parser.add_argument("--hours", type=int, default=168, help="hours of the synthetic forecast (default 168)")
    parser.add_argument("--members", type=int, default=51, help="members of the synthetic forecast (default 51)")
    args = parser.parse_args(argv)
    repeats = max(5, args.repeats)
    with tempfile.TemporaryDirectory() as empty, tempfile.TemporaryDirectory() as inputs:
        os.environ["HEATNEED_OUTPUT_DIR"] = empty  # nothing published: the embedded scenario or the uploads
        env = dict(os.environ, PYTHONPATH=os.pathsep.join([str(ROOT), os.environ.get("PYTHONPATH", "")]))
        folder = None
        if args.districts:
            sys.path.insert(0, str(Path(__file__).resolve().parent))
            from bench_rank import write_scenario

            write_scenario(Path(inputs), args.districts, args.hours, args.members)
            folder = inputs
        size = ({"districts": args.districts, "hours": args.hours, "members": args.members} if folder
                else {"districts": 10, "scenario": "embedded"})
        print(json.dumps(size | {"load_1min": round(os.getloadavg()[0], 2)}), flush=True)
        report("first_render_new_process", first_render_new_process(repeats, env, folder), "AppTest")
        sessions, reranks = in_process(repeats, folder)
        report("first_render_new_session", sessions, "AppTest")
        for name, runs in reranks.items():
            report(name, runs, "AppTest")
        if args.browser and not folder:
            firsts, reranks = in_browser(repeats, env)
            report("browser_first_render", firsts, "streamlit run + chromium")
            report("browser_rerank_after_setting", reranks, "streamlit run + chromium")
    return 0


if __name__ == "__main__":
    sys.exit(main())
