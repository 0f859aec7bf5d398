"""factdesk: claim verification for newsrooms."""

__version__ = "0.1.0"
