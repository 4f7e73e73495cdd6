"""Pure parsing: a document (bytes, content type, URL) in, a report record out. No network, no database."""
from .record import PARSER_VERSION, STATUSES, STORED_STATUSES, Cell, Finding, Report  # noqa: F401


def parse_document(data: bytes, content_type: str | None = None, url: str | None = None) -> Report:
    """Parse one document. Never raises on bad input: the report's status says what went wrong."""
    from .pipeline import parse

    return parse(data, content_type=content_type, url=url)
