"""The deploy phase: the production deployment files linted (hadolint, the Compose schema, shellcheck) and
health-check.sh run against the app, without Docker."""
