"""The report stage: results.json in, report.html, the compare matrix and the run's progress out."""

from cmqconform.dialects.redaction import redact, redact_text
from cmqconform.reporting.html import render_html, write_html
from cmqconform.reporting.view import ResultsError, load_results

__all__ = ["ResultsError", "load_results", "redact", "redact_text", "render_html", "write_html"]
