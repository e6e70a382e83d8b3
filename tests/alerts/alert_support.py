"""Helpers for the alert tests: synthetic published lists, settings, loopback servers."""

from __future__ import annotations

import datetime as dt
import hashlib
import hmac
import json
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pandas as pd

from heatneed.alerts import AlertSettings
from heatneed.config import load_config

ROOT = Path(__file__).resolve().parents[2]
CAP_XSD = ROOT / "data" / "schemas" / "cap" / "CAP-v1.2.xsd"
CODES = ["UA80000000000126643", "UA80000000000210193"]
NAMES = {"UA80000000000126643": ("Holosiivskyi", "Голосіївський"), "UA80000000000210193": ("Darnytskyi", "Дарницький")}
TOKEN = "123456:SECRET-bot-token"
WEBHOOK_SECRET = "webhook-shared-secret"
SMTP_PASSWORD = "smtp-pa55word"
A, B = CODES
CALM = {"severity": 1, "p_indoor_below_12c": 0.05}
RUNS = [
    {A: {"severity": 4, "p_indoor_below_12c": 0.95, "hours_to_12c": 30.0, "hours_to_5c": 60.0}, B: CALM},  # amber
    {A: {"severity": 5, "p_indoor_below_12c": 1.0, "hours_to_12c": 5.0, "hours_to_5c": 20.0}, B: CALM},  # red
    {A: {"severity": 5, "p_indoor_below_12c": 1.0, "hours_to_12c": 5.0, "hours_to_5c": 20.0}, B: CALM},  # red
    {A: CALM, B: CALM},  # none
]


def priority(rows: dict[str, dict]) -> pd.DataFrame:
    """A published list (the columns alerts read) with one row per district in ``rows``:
    code -> {severity, hours_to_12c, hours_to_5c, p_indoor_below_12c, residents_unheated}."""
    out = []
    for rank, (code, values) in enumerate(rows.items(), start=1):
        out.append({"rank": rank, "district_code": code, "district_name": NAMES[code][0], "district_name_uk": NAMES[code][1],
                    "severity": values.get("severity", 1), "residents_unheated": values.get("residents_unheated", 1000),
                    "hours_to_12c": values.get("hours_to_12c", float("nan")),
                    "hours_to_5c": values.get("hours_to_5c", float("nan")),
                    "p_indoor_below_12c": values.get("p_indoor_below_12c", 0.0)})
    frame = pd.DataFrame(out)
    frame["residents_unheated"] = frame["residents_unheated"].astype("Int64")
    return frame


def manifest(n: int, stale: bool = False) -> dict:
    """The manifest of the n-th published run (one every 3 hours from 1 Feb 2026 06:00 UTC)."""
    published = pd.Timestamp("2026-02-01T06:00:00Z") + pd.Timedelta(hours=3 * n)
    return {"run_id": f"20260201T{6 + 3 * n:02d}0000Z-00000{n}", "published_at": published.strftime("%Y-%m-%dT%H:%M:%SZ"),
            "forecast": {"source": "ecmwf-ens", "issued_at": (published - pd.Timedelta(hours=6)).strftime(
                "%Y-%m-%dT%H:%M:%SZ"), "stale": stale}, "inputs": {}, "params": {"horizon_hours": 72.0}}


def settings(config_text: str = "", tmp_path: Path | None = None) -> AlertSettings:
    """AlertSettings from defaults plus a TOML snippet (written to ``tmp_path``/alerts.toml)."""
    if not config_text:
        return AlertSettings.from_config(load_config())
    path = Path(tmp_path) / "alerts.toml"
    path.write_text(config_text, encoding="utf-8")
    return AlertSettings.from_config(load_config(path), path)


# --------------------------------------------------------------------------- TLS

def self_signed(tmp_path: Path) -> tuple[Path, Path]:
    """A self-signed certificate for localhost/127.0.0.1 (cert.pem, key.pem), made here."""
    import ipaddress

    from cryptography import x509
    from cryptography.hazmat.primitives import hashes, serialization
    from cryptography.hazmat.primitives.asymmetric import ec
    from cryptography.x509.oid import NameOID

    key = ec.generate_private_key(ec.SECP256R1())
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "localhost")])
    now = dt.datetime.now(dt.timezone.utc)
    cert = (x509.CertificateBuilder().subject_name(name).issuer_name(name).public_key(key.public_key())
            .serial_number(x509.random_serial_number()).not_valid_before(now - dt.timedelta(minutes=5))
            .not_valid_after(now + dt.timedelta(days=1))
            .add_extension(x509.SubjectAlternativeName([x509.DNSName("localhost"),
                                                        x509.IPAddress(ipaddress.ip_address("127.0.0.1"))]),
                           critical=False)
            .add_extension(x509.BasicConstraints(ca=True, path_length=None), critical=True)
            .sign(key, hashes.SHA256()))
    cert_file, key_file = tmp_path / "cert.pem", tmp_path / "key.pem"
    cert_file.write_bytes(cert.public_bytes(serialization.Encoding.PEM))
    key_file.write_bytes(key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8,
                                           serialization.NoEncryption()))
    return cert_file, key_file


# --------------------------------------------------------------------------- HTTP stubs

class Stub:
    """A loopback HTTP server recording POSTs; ``mode``: "ok", "500" or "hang" (never answers in time).

    For the webhook it verifies the HMAC-SHA256 signature and answers 401 when it is wrong.
    """

    def __init__(self, secret: str | None = None):
        self.requests: list[dict] = []
        self.mode = "ok"
        self.secret = secret
        self.bad_signatures = 0
        stub = self

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, *args):
                pass

            def do_POST(self):
                body = self.rfile.read(int(self.headers.get("Content-Length", 0)))
                if stub.mode == "hang":
                    stub.hung.wait(5)
                    return
                if stub.mode == "500":
                    self.send_response(500)
                    self.end_headers()
                    return
                if stub.secret is not None:
                    expected = "sha256=" + hmac.new(stub.secret.encode(), body, hashlib.sha256).hexdigest()
                    if not hmac.compare_digest(expected, self.headers.get("X-Heatneed-Signature-256", "")):
                        stub.bad_signatures += 1
                        self.send_response(401)
                        self.end_headers()
                        return
                stub.requests.append({"path": self.path, "json": json.loads(body)})
                payload = json.dumps({"ok": True, "result": {}}).encode()
                self.send_response(200)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(payload)))
                self.end_headers()
                self.wfile.write(payload)

        self.hung = threading.Event()
        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.server.daemon_threads = True
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}"
        self.thread = threading.Thread(target=self.server.serve_forever, args=(0.05,), daemon=True)
        self.thread.start()

    def close(self):
        self.hung.set()
        self.server.shutdown()
        self.server.server_close()
