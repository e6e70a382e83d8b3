"""Loaded by Python at start-up when this folder is on PYTHONPATH: test subprocesses get no network.

Only loopback and Unix sockets may connect; name lookups other than localhost fail at once.
"""

import socket

_connect = socket.socket.connect
_getaddrinfo = socket.getaddrinfo
LOOPBACK = {"127.0.0.1", "::1", "localhost", "0.0.0.0"}


def _host_of(address):
    return address[0] if isinstance(address, tuple) else None


def _guarded_connect(self, address):
    host = _host_of(address)
    if host is not None and host not in LOOPBACK:
        raise OSError(101, f"network blocked in tests (tried {host})")
    return _connect(self, address)


def _guarded_getaddrinfo(host, *args, **kwargs):
    if host not in LOOPBACK and host is not None:
        raise socket.gaierror(socket.EAI_NONAME, f"name lookup blocked in tests ({host})")
    return _getaddrinfo(host, *args, **kwargs)


socket.socket.connect = _guarded_connect
socket.getaddrinfo = _guarded_getaddrinfo
