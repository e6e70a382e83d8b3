"""Benchmark of the Streamlit app (issue 4): time to first render and to re-rank after a setting.

    python benchmarks/bench_app.py                 # AppTest measurements, 5 runs each
    python benchmarks/bench_app.py --repeats 9 --browser   # also a real server and Debian chromium

One JSON line per measurement, with the median and every run [s]:

- ``first_render_new_process``: a fresh Python process imports the app and runs it once under
  AppTest on the embedded scenario (imports, parsing the forecast, ranking, drawing): what the
  first visitor after a restart waits for, less the browser.
- ``first_render_new_session``: a new session in a warm process (caches filled): every later
  visitor.
- ``rerank_after_setting``: one session changes τ to a value not seen before, so the model runs
  again (no cache hit) and the page is redrawn.
- with ``--browser``: ``browser_first_render`` (page opened until the priority list's download
  button shows) and ``browser_rerank_after_setting`` (τ typed into its box until the script has
  run and the page is idle again), against ``streamlit run app.py`` on 127.0.0.1.

Nothing is published in the output folder used (a temporary one), so the app ranks the embedded
scenario. Not a test: no thresholds, numbers only.
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
import time
t = time.perf_counter()
from streamlit.testing.v1 import AppTest
at = AppTest.from_file({app!r}, default_timeout=300).run()
assert not at.exception, at.exception
print(time.perf_counter() - t)
"""


def report(name: str, runs: list[float], via: str) -> None:
    print(json.dumps({"benchmark": name, "median_s": round(statistics.median(runs), 3),
                      "runs_s": [round(r, 3) for r in runs], "n": len(runs), "via": via}), flush=True)


def first_render_new_process(repeats: int, env: dict) -> list[float]:
    runs = []
    for _ in range(repeats):
        out = subprocess.run([sys.executable, "-c", ONE_RUN.format(app=str(APP))], cwd=ROOT, env=env,
                             capture_output=True, text=True, check=True)
        runs.append(float(out.stdout.strip().splitlines()[-1]))
    return runs


def in_process(repeats: int) -> tuple[list[float], list[float]]:
    from streamlit.testing.v1 import AppTest

    AppTest.from_file(str(APP), default_timeout=300).run()  # fill the caches
    sessions = []
    for _ in range(repeats):
        t = time.perf_counter()
        at = AppTest.from_file(str(APP), default_timeout=300).run()
        sessions.append(time.perf_counter() - t)
        assert not at.exception, at.exception
    reranks = []
    for i in range(repeats):
        box = at.number_input(key="set_tau_hours").set_value(60.0 + i)  # a new τ: no cache hit
        t = time.perf_counter()
        box.run()
        reranks.append(time.perf_counter() - t)
        assert not at.exception, at.exception
    return sessions, reranks


def in_browser(repeats: int, env: dict) -> tuple[list[float], list[float]]:
    import socket
    import urllib.request

    from playwright.sync_api import TimeoutError as PlaywrightTimeout
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
                    t = time.perf_counter()
                    box.press("Enter")
                    try:  # a quick run may be over before this looks
                        page.locator("[data-testid='stApp'][data-test-script-state='running']").wait_for(timeout=5_000)
                    except PlaywrightTimeout:
                        pass
                    page.locator("[data-testid='stApp'][data-test-script-state='notRunning']").wait_for(
                        timeout=300_000)
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
    parser.add_argument("--browser", action="store_true", help="also measure in Debian chromium")
    args = parser.parse_args(argv)
    repeats = max(5, args.repeats)
    with tempfile.TemporaryDirectory() as empty:
        os.environ["HEATNEED_OUTPUT_DIR"] = empty  # nothing published: the embedded scenario
        env = dict(os.environ, PYTHONPATH=os.pathsep.join([str(ROOT), os.environ.get("PYTHONPATH", "")]))
        report("first_render_new_process", first_render_new_process(repeats, env), "AppTest")
        sessions, reranks = in_process(repeats)
        report("first_render_new_session", sessions, "AppTest")
        report("rerank_after_setting", reranks, "AppTest")
        if args.browser:
            firsts, reranks = in_browser(repeats, env)
            report("browser_first_render", firsts, "streamlit run + chromium")
            report("browser_rerank_after_setting", reranks, "streamlit run + chromium")
    return 0


if __name__ == "__main__":
    sys.exit(main())
