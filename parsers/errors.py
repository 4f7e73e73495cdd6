"""The parser's errors, under one root.  parse_document never lets one escape: each becomes the
report's status and reason; they exist so readers can say precisely why a document cannot be read."""


class ParserError(Exception):
    """Root of every error the parser raises on purpose."""


class UnreadableDocument(ParserError):
    """The document's bytes cannot be read as what they claim to be; the message says why."""


class DecodeError(UnreadableDocument, ValueError):
    """No charset reads the bytes as text."""


class UnmappedText(UnreadableDocument, ValueError):
    """A text layer that does not say which characters it prints: reading it would give garbage."""


class UnknownPdfEngine(ParserError, ValueError):
    """A PDF engine the parser does not have (parse_document(pdf_engine=...))."""


class ReaderUnavailable(ParserError):
    """The library a reader needs is not installed."""
