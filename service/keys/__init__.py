"""API keys: who may call the service, with which scopes and at what rate."""
