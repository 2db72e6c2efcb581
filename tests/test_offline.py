"""`make test` runs the unit tests with sockets disabled (pytest-socket): nothing downloads."""

import socket

import pytest


def test_outgoing_connections_are_blocked_under_make_test(request):
    if not request.config.getoption("disable_socket", default=False):
        pytest.skip("run without --disable-socket (make unit passes it)")
    from pytest_socket import SocketBlockedError

    with pytest.raises(SocketBlockedError):
        socket.create_connection(("192.0.2.1", 80), timeout=1)  # TEST-NET-1, never routed
