"""The security phase: bandit, dependency audits, secrets, HTTP headers and auth probes."""
