"""A gold session's SDK session_id: what its silver events and replay chunks are keyed by.

Gold session ids (int_events_sessionized) are the SDK session_id, or, for a visitor that sent
an SDK session_id another visitor of the project sent first, session_id~<8 hex of
md5(visitor_id)> (dbt_project/macros/session_base.sql); both may end in -n for later pieces.
Silver events and replay chunks carry the plain SDK session_id and the visitor_id, so the
dashboard reads a session's events and recording by both: never another visitor's.
"""

from __future__ import annotations

import hashlib
import re


def visitor_suffix(visitor_id: str) -> str:
    """'~' and the first 8 hex digits of md5(visitor_id), as the dbt macro session_base."""
    return "~" + hashlib.md5(visitor_id.encode()).hexdigest()[:8]


def sdk_session_id(session_id: str, visitor_id: str | None) -> str:
    """The SDK session_id behind `session_id` for its visitor: the id without the visitor's
    suffix (a '-n' after it goes too), else the id as it is (the pre-existing rule for -n)."""
    if not visitor_id:
        return session_id
    suffix = re.escape(visitor_suffix(visitor_id))
    m = re.fullmatch(rf"(.*){suffix}(?:-\d+)?", session_id, flags=re.DOTALL)
    return m.group(1) if m else session_id


def silver_keys(session_id: str, visitor_id: str) -> tuple[list[str], bool]:
    """The SDK session_ids a gold session's silver events may carry, and whether they may carry
    none. Later pieces of a group ('-n') and session-less sessions ('v-<visitor>-n') are not
    named in silver at all, so with the session's visitor and times the candidates are: the id
    as mapped back, that id without a trailing '-n' (an SDK id may itself end in one: both are
    tried), and no id for 'v-<visitor>-n'. Within one visitor's session times only the pieces'
    own events match (pieces of a group are split by gaps, so they do not overlap)."""
    base = sdk_session_id(session_id, visitor_id)
    keys = [base]
    if (stripped := re.sub(r"-\d+$", "", base)) != base:
        keys.append(stripped)
    return keys, re.fullmatch(rf"v-{re.escape(visitor_id)}-\d+", session_id) is not None
