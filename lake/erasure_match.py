"""Which rows are a person's: every visitor id ever linked to them, and their sessions.

A person id is a user id (identify) or, for an anonymous person, a visitor id (SPEC 3:
person_id is the visitor id until identify). Links come from silver (person_id/user_id →
visitor_id), from bronze rows not enriched yet (user_id → visitor_id) and from gold sessions.
Erring wide is deliberate: a visitor id shared by two users is erased with either of them.
"""

from __future__ import annotations

import json
from collections.abc import Iterable
from dataclasses import dataclass

import pyarrow.compute as pc

from lake import io
from lake.erasure_log import _lit
from lake.registry import EVENTS, RAW_EVENTS, REJECTED_EVENTS, REPLAY_CHUNKS, SESSIONS, Table


@dataclass
class Linked:
    """Every id that identifies a person's data."""

    person_id: str
    visitor_ids: set[str]
    session_ids: set[str]


def _values(table: Table, column: str, expr: pc.Expression, root: str | None) -> set[str]:
    if column not in table.columns:
        return set()
    dt = io.open_table(table, root)
    if dt is None:
        return set()
    got = dt.to_pyarrow_dataset().to_table(columns=[column], filter=expr).column(column)
    return {v for v in pc.unique(got).to_pylist() if v is not None}


def _in(col: str, values: Iterable[str]) -> pc.Expression:
    return pc.field(col).isin(sorted(values))


def find_linked(person_id: str, project_id: str | None = None, root: str | None = None) -> Linked:
    """The person's visitor ids (silver person/user links, bronze user ids) and session ids."""
    scope = pc.field("project_id") == project_id if project_id else None

    def scoped(expr: pc.Expression) -> pc.Expression:
        return expr if scope is None else expr & scope

    visitors = {person_id}  # an anonymous person's id is their visitor id
    silver = (pc.field("person_id") == person_id) | (pc.field("user_id") == person_id)
    visitors |= _values(EVENTS, "visitor_id", scoped(silver), root)
    visitors |= _values(RAW_EVENTS, "visitor_id", scoped(pc.field("user_id") == person_id), root)
    visitors |= _values(SESSIONS, "visitor_id", scoped(pc.field("person_id") == person_id), root)
    sessions: set[str] = set()
    for table in (RAW_EVENTS, EVENTS, REPLAY_CHUNKS, SESSIONS):
        sessions |= _values(table, "session_id", scoped(_in("visitor_id", visitors)), root)
    sessions |= _values(SESSIONS, "session_id", scoped(pc.field("person_id") == person_id), root)
    return Linked(person_id, visitors, sessions)


def person_predicate(table: Table, linked: Linked, project_id: str | None) -> str | None:
    """A SQL predicate matching the person's rows in `table`, or None if it cannot hold any."""
    lists = {
        "visitor_id": linked.visitor_ids,
        "user_id": {linked.person_id},
        "person_id": linked.visitor_ids | {linked.person_id},
        "session_id": linked.session_ids,
    }
    terms = [
        f"{col} IN ({', '.join(_lit(v) for v in sorted(vals))})"
        for col, vals in lists.items()
        if col in table.columns and vals
    ]
    if table.name == REJECTED_EVENTS.name:  # ids only inside the payload as sent
        ids = sorted(linked.visitor_ids | {linked.person_id})
        terms += [f"strpos(payload, {_lit(_json_str(v))}) > 0" for v in ids]
    if not terms:
        return None
    where = "(" + " OR ".join(terms) + ")"
    if project_id is not None:
        where += f" AND project_id = {_lit(project_id)}"
    return where


def _json_str(value: str) -> str:
    """How the id appears inside a JSON payload (quoted, escaped as the collector writes it)."""
    return json.dumps(value, ensure_ascii=False)
