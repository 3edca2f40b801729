"""silver_person_rewrite: "maintenance" (default) appends and leaves earlier rows to the squash;
"batch" rewrites them in the enrichment commit. After the squash both give the same silver."""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import Any

import pytest
from typer.testing import CliRunner

from beaconlake.cli import app
from beaconlake.settings import get_settings
from lake import io
from lake.registry import EVENTS
from orchestration.enrich import cursor, enrich
from orchestration.enrich.squash import squash
from orchestration.maintenance import maintain
from tests.orchestration.bronze import RECEIVED, land, row

DAY = dt.timedelta(days=1)
LATER = RECEIVED + 2 * DAY


def set_mode(monkeypatch: pytest.MonkeyPatch, mode: str) -> None:
    monkeypatch.setenv("BEACONLAKE_SILVER_PERSON_REWRITE", mode)
    get_settings.cache_clear()


def rows(root: str | None = None) -> list[dict[str, Any]]:
    return sorted(io.read_arrow(EVENTS, root=root).to_pylist(), key=lambda r: r["event_id"])


def persons(root: str | None = None) -> dict[str, str]:
    return {r["event_id"]: r["person_id"] for r in rows(root)}


def last_operation(root: str | None = None) -> str:
    return io.open_table(EVENTS, root).history(1)[0]["operation"]


# v1: anonymous on two days, identified in batch 2. v3: identified as u3 in batch 1, then a
# LATE identify as u0 with an earlier event time arrives in batch 2 (its first user changes).
BATCH_1 = [
    row("a1", visitor_id="v1"),
    row("a2", visitor_id="v1", received_at=RECEIVED + DAY),
    row("b1", visitor_id="v2"),
    row(
        "c1",
        visitor_id="v3",
        event="identify",
        user_id="u3",
        received_at=RECEIVED + dt.timedelta(hours=2),
    ),
    row("c2", visitor_id="v3", received_at=RECEIVED + dt.timedelta(hours=3)),
]
BATCH_2 = [
    row("a3", visitor_id="v1", event="identify", user_id="u1", received_at=LATER),
    row("a4", visitor_id="v1", received_at=LATER),
    row("b2", visitor_id="v2", received_at=LATER),
    row(
        "c0",
        visitor_id="v3",
        event="identify",
        user_id="u0",
        timestamp=(RECEIVED - dt.timedelta(hours=1)).isoformat(),
        received_at=LATER,
    ),
]


def two_lakes(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, *batches: list[dict[str, Any]]
) -> str:
    """The batches enriched one by one into the test lake (maintenance mode) and into a
    reference lake in batch mode; returns the reference lake's root."""
    ref = str(tmp_path / "ref")
    for batch in batches:
        land(*batch)
        land(*batch, root=ref)
        set_mode(monkeypatch, "batch")
        enrich(ref)
        set_mode(monkeypatch, "maintenance")
        enrich()
    return ref


def test_default_is_maintenance(lake_root: str) -> None:
    assert get_settings().silver_person_rewrite == "maintenance"


def test_maintenance_mode_appends_and_the_squash_catches_up_with_batch_mode(
    lake_root: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    ref = two_lakes(tmp_path, monkeypatch, BATCH_1)
    assert persons() == persons(ref) == {"a1": "v1", "a2": "v1", "b1": "v2", "c1": "u3", "c2": "u3"}

    land(*BATCH_2)
    land(*BATCH_2, root=ref)
    set_mode(monkeypatch, "batch")
    ref_res = enrich(ref)
    assert (ref_res.person_rewrites, last_operation(ref)) == (3, "MERGE")
    set_mode(monkeypatch, "maintenance")
    res = enrich()
    # New rows get the exact person; earlier rows keep theirs; the commit is a plain append.
    assert (res.events, res.person_rewrites, res.persons_deferred) == (4, 0, 2)
    assert last_operation() == "WRITE"
    got = persons()
    assert {k: got[k] for k in ("a1", "a2", "c2")} == {"a1": "v1", "a2": "v1", "c2": "u3"}
    assert {k: got[k] for k in ("a3", "a4", "c0", "c1")} == {
        "a3": "u1",
        "a4": "u1",
        "c0": "u0",
        "c1": "u3",
    }
    assert persons(ref) == {**got, "a1": "u1", "a2": "u1", "c2": "u0"}

    enriched_to = cursor.read_cursor()
    assert squash() == 3
    assert rows() == rows(ref)  # every column, every row: the same silver as batch mode
    assert cursor.read_cursor() == enriched_to  # the squash leaves the enrichment cursor alone
    version = io.open_table(EVENTS).version()
    assert squash() == 0 and io.open_table(EVENTS).version() == version  # idempotent, no commit
    assert squash(ref) == 0  # batch mode leaves nothing to squash

    # The next batch of an identified visitor appends with the right person in both modes.
    land(row("a5", visitor_id="v1", received_at=LATER + DAY))
    assert enrich().persons_deferred == 0
    assert persons()["a5"] == "u1"


def test_the_daily_maintenance_squashes_before_compacting(
    lake_root: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    for batch in (BATCH_1, BATCH_2):
        land(*batch)
        enrich()
    assert persons()["a1"] == "v1"
    out = maintain()
    assert out[EVENTS.path]["person_squashed"] == 3
    assert {k: v for k, v in persons().items() if k in ("a1", "a2", "c2")} == {
        "a1": "u1",
        "a2": "u1",
        "c2": "u0",
    }
    # The squash's rewritten files were compacted in the same pass: one file per partition.
    files = io.open_table(EVENTS).file_uris()
    assert len(files) == len({f.rsplit("/", 2)[-2] for f in files})  # .../event_date=D/part
    assert "person_squashed" not in maintain().get(EVENTS.path, {})


def test_bots_and_own_user_ids_follow_the_same_rule(
    lake_root: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A bot-flagged identify identifies its visitor in silver (as in batch mode); a row with its
    own user_id keeps it; the squash gives exactly batch mode's silver."""
    bot = "Mozilla/5.0 (compatible; Googlebot/2.1; +http://www.google.com/bot.html)"
    ref = two_lakes(
        tmp_path,
        monkeypatch,
        [row("d1", visitor_id="v4"), row("d2", visitor_id="v4", received_at=RECEIVED + DAY)],
        [
            row(
                "d3",
                visitor_id="v4",
                event="identify",
                user_id="u4",
                user_agent=bot,
                received_at=LATER,
            ),
            row("d4", visitor_id="v4", user_id="u5", received_at=LATER),
        ],
    )
    assert persons()["d1"] == "v4" and persons(ref)["d1"] == "u4"
    assert squash() == 2
    assert rows() == rows(ref)
    assert persons()["d4"] == "u5"


def test_the_cli_reports_deferred_visitors_and_squashes(lake_root: str) -> None:
    land(*BATCH_1)
    enrich()
    land(*BATCH_2)
    res = CliRunner().invoke(app, ["pipeline", "run", "--enrich-only"])
    assert res.exit_code == 0, res.output
    assert "0 person rewrites, 2 newly identified visitors' earlier rows left to" in res.output
    res = CliRunner().invoke(app, ["pipeline", "squash"])
    assert (res.exit_code, res.output.strip()) == (0, "person squash: 3 silver rows rewritten")
    assert persons()["a1"] == "u1"
    res = CliRunner().invoke(app, ["pipeline", "squash"])
    assert res.output.strip() == "person squash: 0 silver rows rewritten"
