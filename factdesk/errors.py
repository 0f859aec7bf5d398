"""The root of factdesk's domain errors; the HTTP layer maps these to problem+json."""

from __future__ import annotations


class FactdeskError(Exception):
    """An error with a message meant for the person who caused it."""
