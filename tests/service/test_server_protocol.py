"""The header deadline of `factdesk serve`'s protocol, over real sockets."""

from __future__ import annotations

import asyncio
import socket
import threading
import time
from collections.abc import Iterator
from typing import Any

import pytest
import uvicorn

from service.server_protocol import header_deadline_protocol

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
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        free: int = sock.getsockname()[1]
    config = uvicorn.Config(
        slow_app, host="127.0.0.1", port=free, log_level="warning",
        http=header_deadline_protocol(DEADLINE_S), timeout_keep_alive=30,
    )  # fmt: skip
    server = uvicorn.Server(config)
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    while not server.started:
        time.sleep(0.02)
    yield free
    server.should_exit = True
    thread.join(timeout=10)


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
        assert connection.recv(1024).startswith(b"HTTP/1.1 200")
        # and the kept-alive connection gets the deadline again for its next request
        time.sleep(DEADLINE_S * 2)
        assert connection.recv(1024) == b""
