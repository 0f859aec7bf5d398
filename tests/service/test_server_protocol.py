"""The header deadline of `factdesk serve`'s protocol, over real sockets."""

from __future__ import annotations

import asyncio
import contextlib
import socket
import time
from collections.abc import Iterator
from typing import Any

import pytest

from service.middleware import RequestContextMiddleware
from service.server_protocol import header_deadline_protocol
from tests.live_server import uvicorn_in_thread

DEADLINE_S = 0.5


async def slow_app(scope: Any, _receive: Any, send: Any) -> None:
    if scope["type"] != "http":
        return
    if scope["path"] == "/slow":
        await asyncio.sleep(DEADLINE_S * 3)  # answering takes longer than the deadline
    await send(
        {"type": "http.response.start", "status": 200, "headers": [(b"content-length", b"2")]}
    )
    await send({"type": "http.response.body", "body": b"ok"})


@pytest.fixture(scope="module")
def port() -> Iterator[int]:
    protocol = header_deadline_protocol(DEADLINE_S)
    with uvicorn_in_thread(slow_app, http=protocol, timeout_keep_alive=30) as free:
        yield free


def _connect(port: int) -> socket.socket:
    connection = socket.create_connection(("127.0.0.1", port), timeout=DEADLINE_S * 10)
    return connection


def test_a_client_trickling_its_headers_is_cut_off(port: int) -> None:
    with _connect(port) as connection:
        connection.sendall(b"GET / HTTP/1.1\r\nHost: localhost\r\n")
        started = time.monotonic()
        for _ in range(3):
            time.sleep(DEADLINE_S / 2)
            try:
                connection.sendall(b"X-Slow: 1\r\n")
            except OSError:
                break
        assert connection.recv(1024) == b""  # closed without an answer
        assert time.monotonic() - started < DEADLINE_S * 10


def test_a_request_slower_to_answer_than_the_deadline_is_answered(port: int) -> None:
    with _connect(port) as connection:
        connection.sendall(b"GET /slow HTTP/1.1\r\nHost: localhost\r\n\r\n")
        # The head and the body may come in separate segments on a loaded machine: read
        # the whole response before waiting for the close.
        response = connection.recv(1024)
        while not response.endswith(b"\r\n\r\nok"):
            more = connection.recv(1024)
            assert more, f"closed mid-response: {response!r}"
            response += more
        assert response.startswith(b"HTTP/1.1 200")
        # and the kept-alive connection gets the deadline again for its next request
        time.sleep(DEADLINE_S * 2)
        assert connection.recv(1024) == b""


async def echo_app(scope: Any, receive: Any, send: Any) -> None:
    if scope["type"] != "http":
        return
    await receive()
    await send(
        {"type": "http.response.start", "status": 200, "headers": [(b"content-length", b"2")]}
    )
    await send({"type": "http.response.body", "body": b"ok"})


def test_a_body_trickled_past_its_deadline_gets_408_and_the_connection_closes() -> None:
    """Before: the 408 left the connection open, and 127 such trickling clients held every
    connection, so /healthz got 503."""
    app = RequestContextMiddleware(echo_app, 1 << 20, DEADLINE_S, ["*"])
    protocol = header_deadline_protocol(DEADLINE_S * 4)
    with (
        uvicorn_in_thread(app, http=protocol, timeout_keep_alive=30) as free,
        _connect(free) as connection,
    ):
        connection.sendall(
            b"POST /v1/verify HTTP/1.1\r\nHost: localhost\r\nContent-Length: 1000\r\n\r\n"
        )
        started, response = time.monotonic(), b""
        connection.settimeout(DEADLINE_S / 2)
        while b"}" not in response:  # until the whole problem+json answer is in
            assert time.monotonic() - started < DEADLINE_S * 8, "no answer"
            connection.sendall(b"x")  # a byte now and then, never the whole body
            with contextlib.suppress(TimeoutError):
                response += connection.recv(4096)
        connection.settimeout(DEADLINE_S * 4)
        try:
            closed = connection.recv(4096) == b""
        except ConnectionResetError:
            closed = True  # closed while bytes of ours were still arriving: closed all the same
        except TimeoutError:
            closed = False
        assert closed, "the connection stayed open after the 408"
        assert response.startswith(b"HTTP/1.1 408")
        assert b"connection: close" in response.lower()
