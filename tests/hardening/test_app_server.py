"""The running app server (``streamlit run app.py`` with the project's .streamlit/config.toml):
the upload size limit is enforced by the page and by the server, and uploads without the XSRF
token are refused. Debian chromium through Playwright; fails, never skips, without it.
"""

from __future__ import annotations

import http.client
import re
import uuid
from urllib.parse import urlparse

import pytest
from appcheck import open_tab, wait_idle
from hardening_support import good_upload

pytestmark = pytest.mark.browser

LIMIT_MB = 100  # .streamlit/config.toml server.maxUploadSize (test_app_uploads checks the file)


def put(url: str, body: bytes, headers: dict, content_length: int | None = None) -> int:
    """PUT ``body`` to ``url`` (loopback) and return the status; ``content_length`` may claim more."""
    parts = urlparse(url)
    conn = http.client.HTTPConnection(parts.hostname, parts.port, timeout=30)
    try:
        conn.putrequest("PUT", parts.path)
        for key, value in headers.items():
            conn.putheader(key, value)
        conn.putheader("Content-Length", str(len(body) if content_length is None else content_length))
        conn.endheaders()
        try:
            conn.send(body)
        except OSError:  # the server may answer and close before a claimed body arrives
            pass
        return conn.getresponse().status
    finally:
        conn.close()


def multipart(name: str, data: bytes) -> tuple[bytes, str]:
    boundary = uuid.uuid4().hex
    body = (f"--{boundary}\r\nContent-Disposition: form-data; name=\"file\"; filename=\"{name}\"\r\n"
            f"Content-Type: text/csv\r\n\r\n").encode() + data + f"\r\n--{boundary}--\r\n".encode()
    return body, f"multipart/form-data; boundary={boundary}"


@pytest.fixture
def upload_channel(page):
    """A real upload from the page: the upload URL of this session and the XSRF cookie and header
    it sent, for requests made outside the browser."""
    open_tab(page, "Inputs")
    name, data = good_upload("unheated")
    with page.expect_request(lambda r: "/_stcore/upload_file/" in r.url and r.method == "PUT") as info:
        page.locator("[data-testid='stFileUploaderDropzoneInput']").first.set_input_files(
            files=[{"name": name, "mimeType": "text/csv", "buffer": data}])
    request = info.value
    page.get_by_text(f"In use: {name}", exact=True).wait_for(timeout=60_000)
    wait_idle(page)
    headers = request.all_headers()
    cookies = {c["name"]: c["value"] for c in page.context.cookies()}
    return {"url": request.url, "token": headers.get("x-xsrftoken"), "cookie": cookies.get("_streamlit_xsrf"),
            "page": page, "name": name}


def another_file(url: str) -> str:
    """The same session's upload URL for a new file id."""
    return url.rsplit("/", 1)[0] + "/" + uuid.uuid4().hex


def test_a_file_over_the_limit_is_refused_by_the_page_and_by_the_server(upload_channel, tmp_path):
    page = upload_channel["page"]
    big = tmp_path / "unheated_big.csv"
    with open(big, "wb") as fh:  # sparse: no disk used, the browser only needs its size
        fh.truncate((LIMIT_MB + 1) * 1024 * 1024)
    sent = []
    page.on("request", lambda r: sent.append(r.url) if "/_stcore/upload_file/" in r.url else None)
    page.locator("[data-testid='stFileUploaderDropzoneInput']").first.set_input_files(str(big))
    page.get_by_text(re.compile(r"File must be 100(\.0)? ?MB or smaller")).first.wait_for(timeout=30_000)
    wait_idle(page)
    assert sent == []  # the page never sent it
    assert page.get_by_text(f"In use: {upload_channel['name']}", exact=True).is_visible()
    # A client that is not the page: the server answers 413 before reading the body.
    headers = {"Cookie": f"_streamlit_xsrf={upload_channel['cookie']}", "X-Xsrftoken": upload_channel["token"]}
    body, kind = multipart("unheated_big.csv", b"district_code,reported_at,unheated_buildings\n")
    url = another_file(upload_channel["url"])
    assert put(url, body, {**headers, "Content-Type": kind}, content_length=(LIMIT_MB + 1) * 1024 * 1024) == 413
    assert put(another_file(url), body, {**headers, "Content-Type": kind}) == 204  # the same, honest size


def test_the_server_refuses_uploads_without_the_xsrf_token(upload_channel):
    assert upload_channel["token"] and upload_channel["cookie"]  # the page sends both
    body, kind = multipart("unheated_x.csv", good_upload("unheated")[1])
    url = another_file(upload_channel["url"])
    cookie = f"_streamlit_xsrf={upload_channel['cookie']}"
    assert put(url, body, {"Content-Type": kind}) == 403  # neither
    assert put(url, body, {"Content-Type": kind, "Cookie": cookie}) == 403  # cookie only (a forged form)
    assert put(url, body, {"Content-Type": kind, "Cookie": cookie, "X-Xsrftoken": "2|00|" + "0" * 32 + "|0"}) == 403
    assert put(url, body, {"Content-Type": kind, "Cookie": cookie, "X-Xsrftoken": upload_channel["token"]}) == 204
