"""Verification: claims judged against the corpus (POST /v1/verify, /v1/verify/batch),
batched into shared model passes, every answer audited before it is sent."""
