"""The relational schema: regions, sites, documents, report versions and their figures, findings, sections.

Figures are kept in long form (one row per printed cell) so that every printed text survives with
its provenance; the familiar wide tables are views (see storage/views.py).
"""
from __future__ import annotations

from datetime import datetime

from sqlalchemy import (
    JSON,
    BigInteger,
    Boolean,
    DateTime,
    Float,
    ForeignKey,
    Index,
    Integer,
    MetaData,
    String,
    Text,
    UniqueConstraint,
    text,
)
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column, relationship

# Stable constraint names so that Alembic migrations and both backends agree.
NAMING = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}


MONEY_CELLS = "table_name = 'table2' AND col_key = 'amount'"


class Base(DeclarativeBase):
    metadata = MetaData(naming_convention=NAMING)


class Region(Base):
    """An administrative region by its 6-digit GB/T 2260 code; parent is the enclosing region.
    Every division since 1980 (storage/regions.py's data): first_year/last_year the years the
    code was in use, last_year NULL for a division that exists today."""

    __tablename__ = "regions"
    code: Mapped[str] = mapped_column(String(6), primary_key=True)
    name: Mapped[str | None] = mapped_column(String(100))
    parent_code: Mapped[str | None] = mapped_column(ForeignKey("regions.code"), index=True)
    level: Mapped[int] = mapped_column(Integer)  # 1 province, 2 prefecture, 3 county
    first_year: Mapped[int | None] = mapped_column(Integer)
    last_year: Mapped[int | None] = mapped_column(Integer)


class Site(Base):
    """A web site documents were fetched from (one government portal)."""

    __tablename__ = "sites"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    host: Mapped[str] = mapped_column(String(255), unique=True)
    name: Mapped[str | None] = mapped_column(String(255))
    region_code: Mapped[str | None] = mapped_column(ForeignKey("regions.code"))


class Document(Base):
    """One document, identified by the sha256 of its raw bytes (archived under that hash). Its URL,
    HTTP metadata and hints are those of its primary fetch (storage.fetches); every URL that
    delivered the bytes is in document_fetches."""

    __tablename__ = "documents"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    sha256: Mapped[str] = mapped_column(String(64), unique=True)
    url: Mapped[str | None] = mapped_column(Text)
    site_id: Mapped[int | None] = mapped_column(ForeignKey("sites.id"), index=True)
    fetched_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    http_status: Mapped[int | None] = mapped_column(Integer)
    content_type: Mapped[str | None] = mapped_column(String(255))
    encoding: Mapped[str | None] = mapped_column(String(64))
    etag: Mapped[str | None] = mapped_column(String(255))
    last_modified: Mapped[str | None] = mapped_column(String(64))
    size: Mapped[int] = mapped_column(BigInteger)
    stored_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    hints: Mapped[dict | None] = mapped_column(JSON)  # what the page and registry said (storage/hints.py)
    parser_version: Mapped[str | None] = mapped_column(String(32))  # the parser that last parsed it
    status: Mapped[str | None] = mapped_column(String(32))  # and what it made of it (a report or not)


class DocumentFetch(Base):
    """One URL that delivered a document's bytes, with what its fetch said: the document's site,
    HTTP metadata and hints as that URL gave them (its first fetch; `last_fetched_at` the last
    time it delivered the same bytes). The `documents` row carries the primary fetch's metadata —
    the one the report is parsed and derived from (storage.fetches.primary)."""

    __tablename__ = "document_fetches"
    __table_args__ = (UniqueConstraint("document_id", "url", name="uq_document_fetches_document_url"),)
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    document_id: Mapped[int] = mapped_column(ForeignKey("documents.id", ondelete="CASCADE"))
    url: Mapped[str] = mapped_column(Text)  # '' for bytes given without a URL
    site_id: Mapped[int | None] = mapped_column(ForeignKey("sites.id"), index=True)
    fetched_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    last_fetched_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    http_status: Mapped[int | None] = mapped_column(Integer)
    content_type: Mapped[str | None] = mapped_column(String(255))
    encoding: Mapped[str | None] = mapped_column(String(64))
    etag: Mapped[str | None] = mapped_column(String(255))
    last_modified: Mapped[str | None] = mapped_column(String(64))
    hints: Mapped[dict | None] = mapped_column(JSON)
    recorded_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))


class ReportVersion(Base):
    """What one document says as a report. Versions of the same body and year share `report_key`;
    one of them, chosen by a rule (storage/store.py CURRENT_ORDER), has is_latest set: the `reports`
    view shows only those. `version` numbers them in the order they were stored."""

    __tablename__ = "report_versions"
    __table_args__ = (
        UniqueConstraint("report_key", "version", name="uq_report_versions_key_version"),
        Index("ix_report_versions_latest", "is_latest", "year"),
    )
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    document_id: Mapped[int] = mapped_column(ForeignKey("documents.id"), unique=True)
    report_key: Mapped[str] = mapped_column(Text)  # body|year (storage/identity.py)
    body: Mapped[str] = mapped_column(Text, index=True)  # agency, else site code, else URL
    version: Mapped[int] = mapped_column(Integer)
    is_latest: Mapped[bool] = mapped_column(Boolean)
    agency: Mapped[str | None] = mapped_column(Text)
    # Where the agency was read (parsers.metadata.AGENCY_SOURCES): header, title, signature, text,
    # list_title, page_meta; NULL with the agency, and for versions stored before migration 0012.
    agency_source: Mapped[str | None] = mapped_column(String(16))
    region_code: Mapped[str | None] = mapped_column(ForeignKey("regions.code"), index=True)
    site_id_code: Mapped[str | None] = mapped_column(String(64))
    year: Mapped[int | None] = mapped_column(Integer)
    template: Mapped[str | None] = mapped_column(String(16))
    status: Mapped[str] = mapped_column(String(32))
    reasons: Mapped[list] = mapped_column(JSON)
    title: Mapped[str | None] = mapped_column(Text)
    publication_date: Mapped[str | None] = mapped_column(String(10))
    layout: Mapped[str | None] = mapped_column(String(64))
    parser_version: Mapped[str] = mapped_column(String(32))
    parsed_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    # Fingerprint of everything derived from the document: equal fingerprint = unchanged.
    content_digest: Mapped[str] = mapped_column(String(64))

    figures: Mapped[list[Figure]] = relationship(cascade="all, delete-orphan", passive_deletes=True)


class Figure(Base):
    """One printed cell of a template's tables (2-4, or the 2016 stats): printed text kept verbatim, plus its
    number and kind."""

    __tablename__ = "figures"
    __table_args__ = (
        # Serves the wide views and cross-report aggregates without touching the heap on PG.
        Index("ix_figures_lookup", "table_name", "row_key", "col_key", "report_id", "number"),
        # Money cells (a few per report) with everything a listing shows: read without the table.
        Index("ix_figures_money", "row_key", "report_id", "text", "number", "unit", "amount_wan",
              postgresql_where=text(MONEY_CELLS), sqlite_where=text(MONEY_CELLS)),
    )
    report_id: Mapped[int] = mapped_column(
        ForeignKey("report_versions.id", ondelete="CASCADE"), primary_key=True
    )
    table_name: Mapped[str] = mapped_column(String(8), primary_key=True)  # a template table: table2|table3|table4|stats
    row_key: Mapped[str] = mapped_column(String(64), primary_key=True)
    col: Mapped[int] = mapped_column(Integer, primary_key=True)  # printed position, 0-based
    row_pos: Mapped[int | None] = mapped_column(Integer)  # the row's printed position, 0-based
    col_key: Mapped[str] = mapped_column(String(64))
    text: Mapped[str] = mapped_column(Text)  # as printed, never altered
    number: Mapped[float | None] = mapped_column(Float)
    kind: Mapped[str] = mapped_column(String(16))
    unit: Mapped[str | None] = mapped_column(String(16))
    amount_wan: Mapped[float | None] = mapped_column(Float)
    ambiguous: Mapped[bool] = mapped_column(Boolean)
    inferred: Mapped[bool] = mapped_column(Boolean)
    candidates: Mapped[list | None] = mapped_column(JSON)
    source: Mapped[dict | None] = mapped_column(JSON)


class ApplicationTotals(Base):
    """Table 3's total column per report, derived from its figures (see storage/totals.py)."""

    __tablename__ = "application_totals"
    report_id: Mapped[int] = mapped_column(
        ForeignKey("report_versions.id", ondelete="CASCADE"), primary_key=True
    )
    new_received: Mapped[float | None] = mapped_column(Float)
    carried_over: Mapped[float | None] = mapped_column(Float)
    granted: Mapped[float | None] = mapped_column(Float)
    partially_granted: Mapped[float | None] = mapped_column(Float)
    total: Mapped[float | None] = mapped_column(Float)
    carried_forward: Mapped[float | None] = mapped_column(Float)
    denied: Mapped[float | None] = mapped_column(Float)
    unavailable: Mapped[float | None] = mapped_column(Float)
    not_processed: Mapped[float | None] = mapped_column(Float)
    other_handling: Mapped[float | None] = mapped_column(Float)


class Finding(Base):
    """A check the parser ran that did not hold (or a read problem), kept as reported."""

    __tablename__ = "findings"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    report_id: Mapped[int] = mapped_column(
        ForeignKey("report_versions.id", ondelete="CASCADE"), index=True
    )
    rule: Mapped[str] = mapped_column(String(64), index=True)
    message: Mapped[str] = mapped_column(Text)
    table_name: Mapped[str | None] = mapped_column(String(8))
    row_key: Mapped[str | None] = mapped_column(String(64))
    col_key: Mapped[str | None] = mapped_column(String(64))
    expected: Mapped[float | None] = mapped_column(Float)
    actual: Mapped[float | None] = mapped_column(Float)
    severity: Mapped[str] = mapped_column(String(16))


class ReportSection(Base):
    """A narrative section of a report (overview / problems / other ...)."""

    __tablename__ = "report_sections"
    report_id: Mapped[int] = mapped_column(
        ForeignKey("report_versions.id", ondelete="CASCADE"), primary_key=True
    )
    section: Mapped[str] = mapped_column(String(32), primary_key=True)
    text: Mapped[str] = mapped_column(Text)


# The crawl-runs record and the crawl ledger (storage/runs.py) share this metadata.
from . import runs as _runs  # noqa: E402,F401  (CrawlRun, CrawlUrl)
