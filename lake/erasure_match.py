"""Which rows are a person's: every visitor id ever linked to them, and their sessions.

A person id is a user id (identify) or, for an anonymous person, a visitor id (SPEC 3:
person_id is the visitor id until identify). Links come from silver (person_id/user_id →
visitor_id), from bronze rows not enriched yet (user_id → visitor_id) and from gold sessions.
Erring wide is deliberate: a visitor id shared by two users is erased with either of them,
and an SDK session_id other visitors sent too takes their sessions of it along.
"""

from __future__ import annotations

import json
from dataclasses import dataclass

import duckdb

from lake import duck
from lake.erasure_log import _lit
from lake.registry import EVENTS, RAW_EVENTS, REJECTED_EVENTS, REPLAY_CHUNKS, SESSIONS, Table


@dataclass
class Linked:
    """Every id that identifies a person's data."""

    person_id: str
    visitor_ids: set[str]
    session_ids: set[str]


def _values(
    con: duckdb.DuckDBPyConnection,
    table: Table,
    column: str,
    where: str,
    params: list,
    project_id: str | None,
) -> set[str]:
    """Distinct non-null `column` values of rows matching `where` (DuckDB over the file list).

    DuckDB, not a PyArrow dataset filter: files rewritten by a Delta merge/update/delete hold
    `string_view` columns that PyArrow 26 cannot compare (delta-rs #4579).
    """
    if column not in table.columns:
        return set()
    if project_id is not None:
        where, params = f"({where}) and project_id = ?", [*params, project_id]
    sql = f"select distinct {column} from {table.name} where {where} and {column} is not null"
    return {r[0] for r in con.execute(sql, params).fetchall()}


_SHARED = (
    "regexp_extract(session_id, '^(.*)~[0-9a-f]{8}(-[0-9]+)?$', 1) in (select unnest(?::varchar[]))"
)


def find_linked(person_id: str, project_id: str | None = None, root: str | None = None) -> Linked:
    """The person's visitor ids (silver person/user links, bronze user ids) and session ids."""
    tables = (RAW_EVENTS, EVENTS, REPLAY_CHUNKS, SESSIONS)
    con = duck.connect([t.name for t in tables], root)
    try:
        pid = [person_id]
        visitors = {person_id}  # an anonymous person's id is their visitor id
        who = "person_id = ? or user_id = ?"
        visitors |= _values(con, EVENTS, "visitor_id", who, pid * 2, project_id)
        visitors |= _values(con, RAW_EVENTS, "visitor_id", "user_id = ?", pid, project_id)
        visitors |= _values(con, SESSIONS, "visitor_id", "person_id = ?", pid, project_id)
        sessions: set[str] = set()
        among = "visitor_id in (select unnest(?::varchar[]))"
        for table in tables:
            sessions |= _values(con, table, "session_id", among, [sorted(visitors)], project_id)
        sessions |= _values(con, SESSIONS, "session_id", "person_id = ?", pid, project_id)
        # Other visitors' sessions with one of these SDK session_ids (their ids: <sdk>~<8 hex>,
        # maybe -n; int_events_sessionized): silver loses their events by the SDK session_id,
        # so gold and the build lose those sessions too, as when they were one merged session.
        sessions |= _values(con, SESSIONS, "session_id", _SHARED, [sorted(sessions)], project_id)
    finally:
        con.close()
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


def resolve_subject(
    subject: str, project_id: str | None = None, root: str | None = None
) -> str | None:
    """The person id whose `erasure_log.person_subject` is `subject` ("sha256:<hex>"), found
    among the ids stored in bronze, silver and gold sessions; None when no stored id has it.

    Lets a request travel (dashboard → Dagster run config, kept in Dagster's run history) as a
    hash instead of the id it is meant to erase.
    """
    digest = subject.removeprefix("sha256:").lower()
    if len(digest) != 64 or any(c not in "0123456789abcdef" for c in digest):
        raise ValueError("subject must be sha256:<64 hex digits>")
    tables = (RAW_EVENTS, EVENTS, SESSIONS)
    con = duck.connect([t.name for t in tables], root)
    try:
        for table in tables:
            for column in ("user_id", "person_id", "visitor_id"):
                found = _values(con, table, column, f"sha256({column}) = ?", [digest], project_id)
                if found:
                    return sorted(found)[0]
    finally:
        con.close()
    return None
