"""Pure parsing: a document (bytes, content type, URL) in, a report record out. No network, no database.

The package's public face, the only names other packages import: parse_document, PARSER_VERSION,
the record types with their status and kind constants (parsers.record), the errors' root, and the
templates' totals for storage.
"""
from .errors import ParserError  # noqa: F401
from .limits import Limits  # noqa: F401
from .record import PARSER_VERSION, STATUSES, STORED_STATUSES, Cell, Finding, Report  # noqa: F401
from .templates import TOTALS_FIELDS, application_totals, totals_sources  # noqa: F401


def parse_document(data: bytes, content_type: str | None = None, url: str | None = None,
                   limits: Limits | None = None, keep_text: bool = False, pdf_engine: str | None = None) -> Report:
    """Parse one document. Never raises on bad input: the report's status says what went wrong
    (`over_limit` past a resource bound: `limits`, default parsers.limits.Limits()).
    keep_text: keep the text the cells' offsets index as report.source_text. pdf_engine: what
    reads a PDF's page objects, "pdfium" (the default) or "pdfplumber" (the reference). The parser
    reads no environment: the command line passes these in (govreports_config)."""
    from .pipeline import parse

    return parse(data, content_type=content_type, url=url, limits=limits, keep_text=keep_text,
                 pdf_engine=pdf_engine)
