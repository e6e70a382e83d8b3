"""Loopback servers for the alert tests: aiosmtpd (STARTTLS and SSL), Telegram and webhook stubs."""

from __future__ import annotations

import ssl

import pytest

from alert_support import SMTP_PASSWORD, TOKEN, WEBHOOK_SECRET, Stub, self_signed


class Inbox:
    """aiosmtpd handler keeping every message received."""

    def __init__(self):
        self.messages = []

    async def handle_DATA(self, server, session, envelope):
        from email import message_from_bytes, policy

        self.messages.append((envelope.rcpt_tos, message_from_bytes(envelope.content, policy=policy.default)))
        return "250 OK"


def _auth(server, session, envelope, mechanism, auth_data):
    from aiosmtpd.smtp import AuthResult, LoginPassword

    ok = isinstance(auth_data, LoginPassword) and auth_data.login == b"ops" and auth_data.password == SMTP_PASSWORD.encode()
    return AuthResult(success=ok)


def _free_port() -> int:
    """A free loopback port (aiosmtpd needs a fixed one to check that it started)."""
    import socket

    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@pytest.fixture(scope="session")
def tls_files(tmp_path_factory):
    return self_signed(tmp_path_factory.mktemp("tls"))


@pytest.fixture
def smtp_server(tls_files):
    """factory(mode): a running aiosmtpd on 127.0.0.1; mode "starttls" or "ssl". Yields (inbox, port)."""
    from aiosmtpd.controller import Controller

    controllers = []

    def start(mode: str = "starttls"):
        cert, key = tls_files
        context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
        context.load_cert_chain(cert, key)
        inbox = Inbox()
        kwargs = dict(hostname="127.0.0.1", port=_free_port(), authenticator=_auth)
        if mode == "ssl":  # implicit TLS: aiosmtpd cannot tell, so it must not insist on STARTTLS before AUTH
            controller = Controller(inbox, ssl_context=context, server_hostname="localhost", auth_require_tls=False,
                                    **kwargs)
        else:
            controller = Controller(inbox, tls_context=context, require_starttls=True, **kwargs)
        controller.start()
        controllers.append(controller)
        return inbox, controller.port

    yield start
    for controller in controllers:
        controller.stop()


@pytest.fixture
def telegram():
    stub = Stub()
    yield stub
    stub.close()


@pytest.fixture
def webhook():
    stub = Stub(secret=WEBHOOK_SECRET)
    yield stub
    stub.close()


@pytest.fixture
def secrets_env(monkeypatch):
    monkeypatch.setenv("HEATNEED_TELEGRAM_TOKEN", TOKEN)
    monkeypatch.setenv("HEATNEED_WEBHOOK_SECRET", WEBHOOK_SECRET)
    monkeypatch.setenv("HEATNEED_SMTP_PASSWORD", SMTP_PASSWORD)


@pytest.fixture
def channels_config(tmp_path, tls_files, telegram, webhook, smtp_server, secrets_env):
    """factory(smtp_mode="starttls", timeout_s=2, retries=1) -> (config TOML text, inbox)."""

    def make(smtp_mode: str = "starttls", timeout_s: float = 2.0, retries: int = 1):
        inbox, port = smtp_server(smtp_mode)
        text = f"""
[alerts]
app_url = "https://heatneed.example.org/"
cap_sender = "alerts@heatneed.example.org"

[alerts.email]
enabled = true
host = "localhost"
port = {port}
security = "{smtp_mode}"
username = "ops"
from = "heatneed@example.org"
to = ["duty@example.org"]
ca_file = "{tls_files[0]}"
timeout_s = {timeout_s}
max_retries = {retries}
retry_backoff_s = 0.0

[alerts.telegram]
enabled = true
base_url = "{telegram.url}"
chat_ids = ["-1001"]
timeout_s = {timeout_s}
max_retries = {retries}
retry_backoff_s = 0.0

[alerts.webhook]
enabled = true
url = "{webhook.url}/hook"
timeout_s = {timeout_s}
max_retries = {retries}
retry_backoff_s = 0.0
"""
        return text, inbox

    return make
