"""The result contract: the model (``model``), result files (``io``), merging (``merge``)
and finding fingerprints (``fingerprint``)."""

from .fingerprint import assign_fingerprints
from .io import load_result, load_results, result_files, schema, validate
from .merge import merge_results
from .model import (SCHEMA_ID, SCHEMA_VERSION, SEVERITIES, STATUSES, Finding, Location, Metric, PhaseResult,
                    Status, now_iso, severity_at_least, severity_rank, within_budget, worst_status)

__all__ = ["SCHEMA_ID", "SCHEMA_VERSION", "SEVERITIES", "STATUSES", "Finding", "Location", "Metric",
           "PhaseResult", "Status", "assign_fingerprints", "load_result", "load_results", "merge_results",
           "now_iso", "result_files", "schema", "severity_at_least", "severity_rank", "validate",
           "within_budget", "worst_status"]
