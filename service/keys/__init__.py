"""API keys and limits: who may call the service, with which scopes and at what rate.

Public surface for the other domains: the caller a route declares it needs
(``VerifyCaller``, ``ReadCaller``, ``AdminCaller``), ``Caller`` and ``AuthenticatorDep``.
"""

from service.keys.auth import AdminCaller, AuthenticatorDep, Caller, ReadCaller, VerifyCaller

__all__ = ["AdminCaller", "AuthenticatorDep", "Caller", "ReadCaller", "VerifyCaller"]
