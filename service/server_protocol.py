"""The HTTP/1.1 protocol `factdesk serve` runs: uvicorn's h11 protocol plus a deadline for a
request's headers.

Uvicorn closes idle keep-alive connections but has no limit on how long a client may take to
send its headers, so a client trickling a byte at a time holds a connection (and one of
`max_connections`) forever. Here a connection whose next request's headers are not complete
within the deadline is closed. The body has its own limit (`body_timeout_s`, in the
middleware); a request being answered is never cut.
"""

from __future__ import annotations

import asyncio

import h11
from uvicorn.protocols.http.h11_impl import H11Protocol


def header_deadline_protocol(timeout_s: float) -> type[H11Protocol]:
    class HeaderDeadlineProtocol(H11Protocol):
        _header_deadline: asyncio.TimerHandle | None = None

        def connection_made(self, transport: asyncio.Transport) -> None:  # type: ignore[override]
            super().connection_made(transport)
            self._arm()

        def on_response_complete(self) -> None:
            super().on_response_complete()
            self._arm()  # the next request on this connection gets the same deadline

        def connection_lost(self, exc: Exception | None) -> None:
            self._disarm()
            super().connection_lost(exc)

        def _arm(self) -> None:
            self._disarm()
            if not self.transport.is_closing():
                self._header_deadline = self.loop.call_later(timeout_s, self._expire)

        def _disarm(self) -> None:
            if self._header_deadline is not None:
                self._header_deadline.cancel()
                self._header_deadline = None

        def _expire(self) -> None:
            # IDLE: h11 has not seen a complete request line and headers since the deadline
            # was armed. A request being read or answered is in another state.
            if self.conn.their_state is h11.IDLE and not self.transport.is_closing():
                self.timeout_keep_alive_handler()  # uvicorn's way to close the connection

    return HeaderDeadlineProtocol
