"""A gold session id back to its SDK session_id (what silver events and replay chunks carry)."""

from __future__ import annotations

import duckdb

from streamlit_app.session_ids import sdk_session_id, visitor_suffix


def test_suffix_is_duckdbs_md5() -> None:
    """As the dbt macro session_base computes it (left(md5(visitor_id), 8)), for any text; the
    macro's own ids are checked in tests/dbt_project/test_incremental_marts.py."""
    for v in ("v1", "vé-ü", "0" * 80, "a~b"):
        [(sql,)] = duckdb.sql("select '~' || left(md5($v), 8)", params={"v": v}).fetchall()
        assert visitor_suffix(v) == sql


def test_sdk_session_id() -> None:
    s = visitor_suffix("vB")
    assert sdk_session_id("s1", "vA") == "s1"  # the first visitor's: as it is
    assert sdk_session_id("s1" + s, "vB") == "s1"
    assert sdk_session_id("s1" + s + "-2", "vB") == "s1"  # a later piece of the same
    assert sdk_session_id("a~b-c" + s, "vB") == "a~b-c"  # '~' and '-' inside the SDK id
    assert sdk_session_id("s1" + s, "vC") == "s1" + s  # not vC's suffix: an SDK id like that
    assert sdk_session_id("s1" + s + "x", "vB") == "s1" + s + "x"
    assert sdk_session_id("s1" + s, None) == "s1" + s
