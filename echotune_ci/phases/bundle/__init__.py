"""The bundle phase: raw, gzip and brotli sizes of build output against budgets and a base."""
