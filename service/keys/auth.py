"""Who is calling: the API key of ``Authorization: Bearer KEY``, its scopes and its rate.

Routes declare what they need with one of the typed dependencies at the bottom; the key is
looked up, its scope checked and its rate charged before the route runs.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass
from typing import Annotated

from fastapi import Depends, Request
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer
from starlette.concurrency import run_in_threadpool

from factdesk.core.errors import FactdeskError, InvalidInputError
from factdesk.core.settings import SecuritySettings, parse_rate_limit
from service.keys.limits import RateLimitedError, RateLimiter
from service.keys.repository import KeyRepository, Scope


class UnauthorizedError(FactdeskError):
    status = 401
    slug = "unauthorized"
    title = "Unauthorized"

    @property
    def headers(self) -> dict[str, str]:
        return {"WWW-Authenticate": 'Bearer realm="factdesk"'}


class OverKeyLimitError(InvalidInputError):
    """More claims in one batch than the key may send in a whole window: no wait helps."""

    field = "body.claims"


class DraftOverKeyLimitError(OverKeyLimitError):
    """More check-worthy sentences in one draft than the key may send in a whole window."""

    field = "body.text"


class ForbiddenError(FactdeskError):
    status = 403
    slug = "forbidden"
    title = "Forbidden"


@dataclass(frozen=True)
class Caller:
    """The key a request came with; with auth off, an anonymous caller who may do anything."""

    key_id: str | None
    name: str
    scopes: frozenset[Scope]
    rate: tuple[int, int]  # requests per window of seconds
    rate_client: str  # what its requests are counted under

    @property
    def sees_every_query(self) -> bool:
        return Scope.ADMIN in self.scopes


_COUNT_ONLY = 1 << 30  # a limit never reached: the charge only counts


class Authenticator:
    """Built once in the lifespan; ``caller`` answers for one request."""

    def __init__(
        self,
        settings: SecuritySettings,
        keys: KeyRepository,
        limiter: RateLimiter,
        on_failure: Callable[[str], None] = lambda _reason: None,
    ) -> None:
        self.enabled = settings.auth == "on"
        self._default_rate = parse_rate_limit(settings.default_rate_limit)
        self._failed_limit = parse_rate_limit(settings.failed_auth_limit)
        self._keys = keys
        self._limiter = limiter
        self._on_failure = on_failure  # told "missing", "unknown" or "throttled"

    async def caller(self, request: Request, token: str | None) -> Caller:
        host = request.client.host if request.client else "unknown"
        if not self.enabled:
            return Caller(None, "anonymous", frozenset(Scope), self._default_rate, f"ip:{host}")
        if not token:
            self._on_failure("missing")
            raise UnauthorizedError("send an API key as 'Authorization: Bearer KEY'")
        # An address that guessed too many keys gets no answer about the next one, right or
        # wrong, until its failures slide out of the window.
        failures, (limit, window_s) = f"auth-failures:{host}", self._failed_limit
        wait = self._limiter.wait(failures, limit, window_s)
        if wait is not None:
            self._on_failure("throttled")
            raise RateLimitedError(
                f"too many unknown API keys from this address; retry after {math.ceil(wait)} s",
                math.ceil(wait),
            )
        key = await run_in_threadpool(self._keys.find, token)
        if key is None:
            self._on_failure("unknown")
            self._limiter.charge(failures, 1, _COUNT_ONLY, window_s)
            raise UnauthorizedError("the API key is unknown or has been revoked")
        rate = parse_rate_limit(key.rate_limit) if key.rate_limit else self._default_rate
        return Caller(key.id, key.name, key.scopes, rate, f"key:{key.id}")

    def charge_batch(self, caller: Caller, claims: int) -> None:
        """Charge a batch's claims, each counting as one request (the request itself was
        charged already); a batch larger than the key's whole limit is refused outright."""
        limit, window_s = caller.rate
        if caller.key_id is not None and claims > limit:
            raise OverKeyLimitError(
                f"a batch of {claims} claims can never fit this key's limit of {limit} per "
                f"{window_s} s: send at most {limit} claims per batch"
            )
        self.charge(caller, claims - 1)

    def charge_draft(self, caller: Caller, claims: int) -> None:
        """Charge a draft's check-worthy sentences as a batch's claims (the request itself
        was charged already); a draft with more than the key's whole limit is refused."""
        limit, window_s = caller.rate
        if caller.key_id is not None and claims > limit:
            raise DraftOverKeyLimitError(
                f"the draft has {claims} check-worthy sentences, which can never fit this "
                f"key's limit of {limit} claims per {window_s} s: split it"
            )
        self.charge(caller, max(0, claims - 1))

    def charge(self, caller: Caller, cost: int = 1) -> None:
        if caller.key_id is None:  # auth off: local work and benchmarks are not limited
            return
        limit, window_s = caller.rate
        self._limiter.charge(caller.rate_client, cost, limit, window_s)


_bearer = HTTPBearer(auto_error=False, description="An API key from `factdesk keys create`.")


def get_authenticator(request: Request) -> Authenticator:
    authenticator: Authenticator = request.app.state.runtime.authenticator
    return authenticator


def _requiring(scope: Scope) -> object:
    async def dependency(
        request: Request,
        authenticator: Annotated[Authenticator, Depends(get_authenticator)],
        credentials: Annotated[HTTPAuthorizationCredentials | None, Depends(_bearer)],
    ) -> Caller:
        caller = await authenticator.caller(
            request, credentials.credentials if credentials else None
        )
        if not (scope in caller.scopes or caller.sees_every_query):
            raise ForbiddenError(f"this API key lacks the '{scope}' scope this route needs")
        authenticator.charge(caller)
        return caller

    return Depends(dependency)


VerifyCaller = Annotated[Caller, _requiring(Scope.VERIFY)]
ReadCaller = Annotated[Caller, _requiring(Scope.READ)]
AdminCaller = Annotated[Caller, _requiring(Scope.ADMIN)]  # changes the corpus
AuthenticatorDep = Annotated[Authenticator, Depends(get_authenticator)]
