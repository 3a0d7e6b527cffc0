"""Loaded by every Python process the test suite starts (its directory is put first on
PYTHONPATH by tests/conftest.py): no connection and no name look-up beyond loopback, so no test
depends on whether this machine has internet, and none can reach a real site by mistake."""

from __future__ import annotations

import socket

LOOPBACK_NAMES = {"localhost", "127.0.0.1", "::1", "ip6-localhost"}
_getaddrinfo, _connect, _connect_ex = socket.getaddrinfo, socket.socket.connect, socket.socket.connect_ex


def _loopback(host) -> bool:
    host = host.decode() if isinstance(host, bytes) else str(host)
    return host in LOOPBACK_NAMES or host.startswith("127.") or host == "" or host.startswith("/")


def getaddrinfo(host, *args, **kwargs):
    if host is not None and not _loopback(host):
        raise socket.gaierror(socket.EAI_NONAME, f"blocked by the test suite: no network beyond loopback ({host})")
    return _getaddrinfo(host, *args, **kwargs)


def _address_ok(address) -> bool:
    return not isinstance(address, tuple) or _loopback(address[0])


def connect(self, address):
    if not _address_ok(address):
        raise ConnectionRefusedError(f"blocked by the test suite: no network beyond loopback ({address})")
    return _connect(self, address)


def connect_ex(self, address):
    if not _address_ok(address):
        return 111  # ECONNREFUSED
    return _connect_ex(self, address)


socket.getaddrinfo = getaddrinfo
socket.socket.connect = connect
socket.socket.connect_ex = connect_ex
