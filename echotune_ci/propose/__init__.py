"""Propose: findings turned into checked changes and draft pull requests, idempotently."""
