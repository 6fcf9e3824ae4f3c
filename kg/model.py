"""Data classes for everything the extractor produces.

All are frozen: a stage returns new objects, it never mutates an earlier
stage's output.  Every fact keeps a ``span`` — ``(start, end)`` offsets into
the *original* decoded text of its source file — so it can be traced back.
"""
from __future__ import annotations

from dataclasses import asdict, dataclass
from typing import Optional

from .vocab import CITATION_TYPES

Span = tuple[int, int]

RELATIONS = CITATION_TYPES          # the relation names (kg.vocab)
# Strength order used when one document is mentioned several times.
RELATION_RANK = {r: i for i, r in enumerate(
    ("based_on", "amends", "replaces", "repeals", "guides", "implements", "cites"))}


@dataclass(frozen=True)
class DocumentInfo:
    id: str
    number: Optional[str]
    type: Optional[str]
    date: Optional[str]
    issuer: Optional[str]
    province: Optional[str]
    title: Optional[str]
    signer: Optional[str]
    attached: Optional[dict] = None      # {"type": "Kế hoạch", "number": ..., "title": ...}
    number_source: Optional[str] = None  # "header" | "caption" | "chrome" | None


@dataclass(frozen=True)
class Reference:
    number: Optional[str]
    type: Optional[str]
    date: Optional[str]
    issuer: Optional[str]
    title: Optional[str]
    relation: str
    target_id: str
    span: Span
    cue: Optional[str] = None
    province: Optional[str] = None
    year: Optional[int] = None
    mentions: tuple[Span, ...] = ()
    date_conflicts: tuple[str, ...] = ()
    after_document: bool = False
    page: Optional[int] = None           # 1-based page of ``span`` (PDF, scans); None otherwise

    def to_json(self) -> dict:
        d = asdict(self)
        if self.page is None:
            del d["page"]
        d["span"] = list(self.span)
        d["mentions"] = [list(s) for s in self.mentions]
        d["date_conflicts"] = list(self.date_conflicts)
        return d


@dataclass(frozen=True)
class StatedRelation:
    source: str
    type: str
    target: str
    span: Span
    cue: str

    def to_json(self) -> dict:
        return {"source": self.source, "type": self.type, "target": self.target,
                "span": list(self.span), "cue": self.cue}


@dataclass(frozen=True)
class Agency:
    id: str
    name: str
    kind: str                      # one of kg.vocab.AGENCY_KINDS
    province: Optional[str]
    aliases: tuple[str, ...] = ()

    def to_json(self) -> dict:
        return {"id": self.id, "name": self.name, "aliases": list(self.aliases),
                "province": self.province, "kind": self.kind}


@dataclass(frozen=True)
class Task:
    id: str
    section: Optional[str]
    section_title: Optional[str]
    no: Optional[str]
    text: str
    lead: tuple[str, ...]
    support: tuple[str, ...]
    deadline: Optional[str]
    deadline_start: Optional[str]
    deadline_end: Optional[str]
    product: Optional[str]
    objective: Optional[str]
    level: Optional[str]
    references: tuple[str, ...]
    span: Span
    page: Optional[int] = None           # 1-based page of ``span`` (PDF, scans); None otherwise
    lead_inferred: bool = False          # single agency column: first named leads, others support

    def to_json(self) -> dict:
        d = {"id": self.id, "section": self.section, "section_title": self.section_title,
             "no": self.no, "text": self.text, "lead": list(self.lead),
             "support": list(self.support), "deadline": self.deadline,
             "deadline_range": ([self.deadline_start, self.deadline_end]
                                if self.deadline_start else None),
             "product": self.product, "objective": self.objective, "level": self.level,
             "references": list(self.references), "span": list(self.span),
             "lead_inferred": self.lead_inferred}
        if self.page is not None:
            d["page"] = self.page
        return d


@dataclass(frozen=True)
class Assignment:
    id: str
    agency: str
    text: str
    span: Span
    agencies: tuple[str, ...] = ()

    def to_json(self) -> dict:
        return {"id": self.id, "agency": self.agency, "agencies": list(self.agencies),
                "text": self.text, "span": list(self.span)}


@dataclass(frozen=True)
class Extraction:
    source: str
    document: DocumentInfo
    references: tuple[Reference, ...]
    relations: tuple[StatedRelation, ...]
    tasks: tuple[Task, ...]
    assignments: tuple[Assignment, ...]
    agencies: tuple[Agency, ...]
    warnings: tuple[str, ...] = ()
    sha256: str = ""

    def to_json(self) -> dict:
        return {
            "source": self.source,
            "document": asdict(self.document),
            "references": [r.to_json() for r in self.references],
            "relations": [r.to_json() for r in self.relations],
            "tasks": [t.to_json() for t in self.tasks],
            "assignments": [a.to_json() for a in self.assignments],
            "agencies": [a.to_json() for a in self.agencies],
            "warnings": list(self.warnings),
        }


class InputError(Exception):
    """Bad input file: reported with the file name, never a traceback."""

    def __init__(self, path: str, problem: str):
        super().__init__(f"{path}: {problem}")
        self.path = path
        self.problem = problem

    def __reduce__(self):
        # pickled across processes (extraction workers, Dask): rebuilt from
        # its two fields, not from the formatted message
        return (type(self), (self.path, self.problem))
