"""ASGI middleware: request ids, allowed hosts, security headers, HEAD, body size and time.

One pass in front of the app, so every answer, the refusals made here included, carries the
request id and the security headers.
"""

from __future__ import annotations

import asyncio
import re
import uuid
from collections.abc import Sequence

from starlette.requests import Request
from starlette.responses import Response
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from service.problems import problem_response

_CLIENT_REQUEST_ID = re.compile(r"^[A-Za-z0-9._:-]{1,128}$")
_BODYLESS = ("GET", "HEAD", "OPTIONS", "DELETE")
SECURITY_HEADERS = [
    (b"x-content-type-options", b"nosniff"),
    (b"referrer-policy", b"no-referrer"),
    (b"x-frame-options", b"DENY"),
    (b"cross-origin-opener-policy", b"same-origin"),
]
# The API answers JSON and nothing of it may run as a page; the Swagger page runs only its
# own scripts and styles (it needs inline styles and the spec fetched from this origin).
API_CSP = b"default-src 'none'; frame-ancestors 'none'"
# The editor page loads only its own script and style files: nothing inline may run.
EDITOR_CSP = (
    b"default-src 'none'; script-src 'self'; style-src 'self'; connect-src 'self'; "
    b"img-src 'self'; form-action 'self'; base-uri 'none'; frame-ancestors 'none'"
)
PAGE_CSP = (
    b"default-src 'self'; script-src 'self' 'unsafe-inline'; style-src 'self' 'unsafe-inline'; "
    b"img-src 'self' data:; frame-ancestors 'none'"
)


def _host_name(host_header: str) -> str:
    host = host_header.strip().lower()
    if host.startswith("["):  # [::1]:8000
        return host.split("]", 1)[0] + "]"
    return host.rsplit(":", 1)[0] if host.count(":") == 1 else host


ARTICLE_CHECK_PATH = "/v1/articles/check"


class RequestContextMiddleware:
    def __init__(
        self,
        app: ASGIApp,
        max_body_bytes: int,
        body_timeout_s: float,
        allowed_hosts: Sequence[str],
        max_document_bytes: int | None = None,
        max_article_bytes: int | None = None,
    ) -> None:
        self.app = app
        self.max_body_bytes = max_body_bytes
        # Documents (an article, a PDF) are far larger than claims; only their writes may be,
        # and the drafts sent to be checked whole.
        self.max_document_bytes = max_document_bytes or max_body_bytes
        self.max_article_bytes = max_article_bytes or max_body_bytes
        self.body_timeout_s = body_timeout_s
        self.any_host = "*" in allowed_hosts
        self.allowed_hosts = {h.lower() for h in allowed_hosts}

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        headers = {k.decode("latin-1").lower(): v.decode("latin-1") for k, v in scope["headers"]}
        # The id the audit stores is always this server's; the client's own is kept beside it.
        request_id = uuid.uuid4().hex
        given = headers.get("x-request-id", "")
        state = scope.setdefault("state", {})
        state["request_id"] = request_id
        state["client_request_id"] = given if _CLIENT_REQUEST_ID.match(given) else None
        head = scope["method"] == "HEAD"
        if head:  # answered as GET without the body, as HTTP says
            scope = {**scope, "method": "GET"}
        send_secured = _secured(send, request_id, _policy(scope["path"]), head=head)
        admitted = await self._admit(scope, headers, receive)
        if isinstance(admitted, Response):
            await admitted(scope, receive, send_secured)
            return
        replayed = False

        async def replay() -> Message:
            nonlocal replayed
            if not replayed:
                replayed = True
                return {"type": "http.request", "body": admitted, "more_body": False}
            return await receive()

        await self.app(scope, replay, send_secured)

    async def _admit(
        self, scope: Scope, headers: dict[str, str], receive: Receive
    ) -> Response | bytes:
        """The request's body, or the refusal it gets here (host, size, time)."""
        request = Request(scope)
        refusal = self._refuse_host(headers.get("host", ""))
        if refusal is not None:
            return problem_response(request, 400, "bad-host", "Bad request", refusal)
        limit = self._limit(scope)
        declared = headers.get("content-length", "")
        if declared.isdigit() and int(declared) > limit:
            return self._too_large(request, limit)
        if scope["method"] in _BODYLESS:
            return b""
        try:
            body = await asyncio.wait_for(self._read_body(receive, limit), self.body_timeout_s)
        except TimeoutError:
            detail = f"the request body did not arrive within {self.body_timeout_s:g} s"
            # Closed with the answer: a client still trickling its body would otherwise keep
            # the connection (each byte resets the keep-alive timer) and, a hundred of them,
            # every connection the server allows.
            close = {"Connection": "close"}
            return problem_response(
                request, 408, "request-timeout", "Request timeout", detail, headers=close
            )
        return self._too_large(request, limit) if body is None else body

    def _limit(self, scope: Scope) -> int:
        if scope["method"] == "POST" and scope["path"] == ARTICLE_CHECK_PATH:
            return self.max_article_bytes
        writes_document = scope["method"] in {"POST", "PUT"} and (
            scope["path"] == "/v1/documents" or scope["path"].startswith("/v1/documents/")
        )
        return self.max_document_bytes if writes_document else self.max_body_bytes

    def _refuse_host(self, host_header: str) -> str | None:
        if self.any_host or _host_name(host_header) in self.allowed_hosts:
            return None
        return (
            f"host {host_header!r} is not served here; add it to FACTDESK_ALLOWED_HOSTS "
            "if it should be"
        )

    async def _read_body(self, receive: Receive, limit: int) -> bytes | None:
        """The whole body, or None past the size limit. Bodies are small (tens of KiB; a
        document a few MiB), so they are read here in full: one sent without Content-Length
        is held to the limit too."""
        chunks: list[bytes] = []
        received = 0
        while True:
            message = await receive()
            if message["type"] != "http.request":
                break
            chunks.append(message.get("body", b""))
            received += len(chunks[-1])
            if received > limit:
                return None
            if not message.get("more_body", False):
                break
        return b"".join(chunks)

    def _too_large(self, request: Request, limit: int) -> Response:
        return problem_response(
            request, 413, "payload-too-large", "Payload too large",
            f"request body exceeds {limit} bytes",
        )  # fmt: skip


def _policy(path: str) -> bytes:
    return EDITOR_CSP if path == "/" else PAGE_CSP if path == "/docs" else API_CSP


def _secured(send: Send, request_id: str, policy: bytes, head: bool) -> Send:
    async def send_secured(message: Message) -> None:
        if message["type"] == "http.response.start":
            extra = [
                (b"x-request-id", request_id.encode()),
                (b"content-security-policy", policy),
                *SECURITY_HEADERS,
            ]
            message["headers"] = [*message.get("headers", []), *extra]
        elif head and message["type"] == "http.response.body":
            message = {**message, "body": b""}
        await send(message)

    return send_secured
