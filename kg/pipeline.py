"""The extraction pipeline: read → clean → identity → references → tables →
tasks → assignments → agencies, returning one frozen ``Extraction``."""
from __future__ import annotations

import hashlib
import re
from pathlib import Path
from typing import Optional

from . import numbers as N
from .agencies import resolve_agency, split_agencies
from .assignments import find_assignments
from .clean import clean
from .dates import normalise_deadline
from .identity import find_identity
from .ids import document_id, slug
from .model import (Agency, Assignment, DocumentInfo, Extraction, Reference, StatedRelation, Task,
                    RELATION_RANK)
from .read import READERS, read_file
from .references import assign_relations, find_mentions, resolve_mentions, unify_numbers
from .tasks import deadline_text, find_tables
from .textmap import MappedText
from .vntext import name_key


def extract_file(path: Path, label: Optional[str] = None) -> Extraction:
    mt = read_file(Path(path), label)
    data_hash = hashlib.sha256(mt.original.encode("utf-8", "surrogatepass")).hexdigest()
    return extract_text(mt, label or str(path), data_hash)


def extract_string(text: str, label: str = "<text>", fmt: str = ".txt") -> Extraction:
    mt = READERS[fmt](text, label)
    return extract_text(mt, label, hashlib.sha256(text.encode("utf-8", "surrogatepass")).hexdigest())


def extract_text(raw: MappedText, label: str, data_hash: str = "") -> Extraction:
    mt = clean(raw)
    text = mt.text
    warnings: list[str] = list(raw.warnings)
    idt = find_identity(text)
    province = idt.province
    doc_id = document_id(idt.number, province) if idt.number else f"file/{data_hash[:16] or slug(label)}"

    # references
    mentions = find_mentions(text)
    resolve_mentions(text, mentions, province)
    stated = assign_relations(text, mentions)
    own = set(idt.self_numbers)
    aliases = unify_numbers(mentions, idt.self_numbers)
    refs: dict[str, dict] = {}
    order: list[str] = []
    for m in mentions:
        if m.number and m.number in own:
            continue
        tid = document_id(m.number, m.province, m.title, m.year)
        key = tid if m.number else _law_key(m.title)
        if m.number is None and refs.get(key, {}).get("year"):
            # merge a law mentioned with and without its year
            tid = refs[key]["target_id"]
        r = refs.get(key)
        span = mt.orig_span(m.start, m.end)
        if r is None:
            refs[key] = r = {"number": m.number, "type": m.type, "date": m.date, "issuer": m.issuer,
                             "title": m.subject if m.number else m.title, "relation": m.relation,
                             "target_id": tid, "span": span, "cue": m.cue, "province": m.province,
                             "year": m.year, "mentions": [span], "dates": {}}
            order.append(key)
        else:
            r["mentions"].append(span)
            if RELATION_RANK[m.relation] < RELATION_RANK[r["relation"]]:
                r["relation"], r["cue"] = m.relation, m.cue
            for f in ("type", "issuer"):
                if not r[f] and getattr(m, f):
                    r[f] = getattr(m, f)
            if r["number"] and not r["title"] and m.subject:
                r["title"] = m.subject
            if not r["year"] and m.year:
                r["year"] = m.year
        if m.date:
            r["dates"][m.date] = r["dates"].get(m.date, 0) + 1
    references = []
    for key in order:
        r = refs[key]
        conflicts: tuple[str, ...] = ()
        if r["dates"]:
            ranked = sorted(r["dates"].items(), key=lambda kv: (-kv[1], kv[0]))
            r["date"] = ranked[0][0]
            if len(ranked) > 1:
                conflicts = tuple(d for d, _ in ranked[1:])
                warnings.append(f"{label}: {r['number'] or r['title']} is dated {ranked[0][0]} and also "
                                f"{', '.join(conflicts)}; kept the most frequent")
        after = bool(r["date"] and idt.date and r["date"] > idt.date)
        if after:
            warnings.append(f"{label}: reference {r['number']} is dated {r['date']}, after the document ({idt.date})")
        references.append(Reference(
            number=r["number"], type=r["type"], date=r["date"], issuer=r["issuer"],
            title=r["title"], relation=r["relation"], target_id=r["target_id"], span=r["span"],
            cue=r["cue"], province=r["province"], year=r["year"], mentions=tuple(r["mentions"]),
            date_conflicts=conflicts, after_document=after, page=raw.page_at(r["span"][0])))

    relations = []
    seen_rel = set()
    def rel_label(m) -> Optional[str]:
        """How the graph finds a mention among the references: a law by the
        title its merged reference kept (one law, spelled 'Chính quyền' here
        and 'chính quyền' there)."""
        if m.number or not m.title:
            return m.number
        r = refs.get(_law_key(m.title))
        return r["title"] if r else m.title

    for s in stated:
        src, dst = rel_label(s.source), rel_label(s.target)
        if not src or not dst or src == dst or (src, s.type, dst) in seen_rel:
            continue
        seen_rel.add((src, s.type, dst))
        relations.append(StatedRelation(src, s.type, dst, mt.orig_span(*s.span), s.cue))

    # tasks
    agencies: dict[str, Agency] = {}

    def agency_names(cell: Optional[str]) -> tuple[str, ...]:
        names = []
        for raw_name in split_agencies(cell):
            a = resolve_agency(raw_name, province)
            prev = agencies.get(a.id)
            if prev is None:
                agencies[a.id] = a
            elif raw_name != a.name and raw_name not in prev.aliases:
                agencies[a.id] = Agency(prev.id, prev.name, prev.kind, prev.province,
                                        tuple(sorted(set(prev.aliases) | {raw_name})))
            names.append(a.name)
        return tuple(dict.fromkeys(names))

    tables = find_tables(text)
    tasks: list[Task] = []
    for table in tables:
        for d in table.tasks:
            ttext = d.get("text") or d.get("objective") or ""
            product = d.get("product")
            dl = deadline_text(d)
            s, e = normalise_deadline(dl)
            task_refs = tuple(dict.fromkeys(
                aliases.get(n, n) for _, _, n in N.find_numbers((ttext or "") + "\n" + (product or ""))
                if aliases.get(n, n) not in own))
            tasks.append(Task(
                id=f"{doc_id}#task-{len(tasks) + 1:03d}", section=d.section, section_title=d.section_title,
                no=d.no, text=ttext, lead=agency_names(d.get("lead", keep_lines=True)),
                support=agency_names(d.get("support", keep_lines=True)),
                deadline=dl, deadline_start=s, deadline_end=e, product=product,
                objective=d.get("objective"), level=d.get("level"), references=task_refs,
                span=(span := mt.orig_span(d.start, d.end)), page=raw.page_at(span[0]),
                lead_inferred=d.lead_inferred))

    skip = [(t.start, t.end) for t in tables]
    assignments = []
    for a in find_assignments(text, skip):
        names = agency_names(a.agency)
        assignments.append(Assignment(id=f"{doc_id}#assignment-{len(assignments) + 1:03d}",
                                      agency=a.agency, text=a.text, span=mt.orig_span(a.start, a.end),
                                      agencies=names))

    doc = DocumentInfo(id=doc_id, number=idt.number, type=idt.type, date=idt.date, issuer=idt.issuer,
                       province=province, title=idt.title, signer=idt.signer, attached=idt.attached,
                       number_source=idt.number_source)
    if not idt.number:
        warnings.append(f"{label}: no document number found (header or attachment caption)")
    return Extraction(source=label, document=doc, references=tuple(references), relations=tuple(relations),
                      tasks=tuple(tasks), assignments=tuple(assignments),
                      agencies=tuple(sorted(agencies.values(), key=lambda a: a.id)),
                      warnings=tuple(warnings), sha256=data_hash)


def _law_key(title: Optional[str]) -> str:
    return "law:" + re.sub(r"\s+", " ", name_key(title or ""))
