"""Erasure: forget a person (every visitor id ever linked to them) or clear a project.

Order matters: bronze first (so a pipeline run cannot re-enrich the rows), then silver, replay
chunks and gold, then dbt's DuckDB build file. One Delta delete commit per table. Aggregate
gold tables (daily_stats, funnels, vitals) carry no person column: the next pipeline run
rebuilds them from the erased silver. Old files stay until a vacuum past retention, or
`purge_now=True` (`--vacuum-now`), which removes them and the log's statistics at once, safely
while the collector commits (lake.purge says how).
"""

from __future__ import annotations

import time
from dataclasses import dataclass, field
from datetime import UTC as dt_utc
from datetime import timedelta
from pathlib import Path

from deltalake import DeltaTable, write_deltalake
from deltalake.exceptions import CommitFailedError

from beaconlake.settings import get_settings
from lake import erasure_duckdb, erasure_log, io, keys, purge
from lake.erasure_log import _lit
from lake.erasure_match import find_linked, person_predicate, resolve_subject
from lake.registry import PROJECTS, TABLES, Table

DATA_LAYERS = ("bronze", "silver", "gold")
LAYER_ORDER = {"bronze": 0, "silver": 1, "gold": 2}


@dataclass
class ErasureResult:
    """What one request did: its log id, status and rows deleted per table."""

    request_id: str
    status: str
    rows_deleted: dict[str, int] = field(default_factory=dict)
    error: str | None = None

    @property
    def total(self) -> int:
        return sum(self.rows_deleted.values())


def data_tables() -> list[Table]:
    """Registered bronze, silver and gold tables (breakdowns included), bronze first."""
    tables = [t for t in TABLES.values() if t.layer in DATA_LAYERS]
    return sorted(tables, key=lambda t: (LAYER_ORDER[t.layer], t.name))


def delete_rows(table: Table, predicate: str | None, root: str | None = None) -> int:
    """Delete matching rows in one commit (retried on a concurrent-commit conflict).

    Written as a replace-where with no rows rather than `DeltaTable.delete`: delta-rs 1.6's
    delete rewrites the surviving rows as Arrow `string_view` (delta-rs #4579), and PyArrow 26
    cannot filter those files, so every later filtered read of the table (`lake.io.read_arrow`)
    would fail. The replace-where keeps the registry's plain string types.

    The rows go up to the newest `received_at` of the table when the erasure starts
    (`received_cutoff`): every event acknowledged before it. delta-rs fails a delete when a
    concurrent commit added a file its predicate may match, judged by the file's statistics;
    bronze keeps statistics of `received_at` only, so without the bound every collector append
    during the delete was such a file, and under live traffic all retries failed.
    """
    dt = io.open_table(table, root)
    if dt is None:
        return 0
    where = predicate or "true"
    cutoff = received_cutoff(dt) if "received_at" in table.schema.names else None
    if cutoff is not None:
        where = f"({where}) AND received_at <= {_lit(cutoff)}"
    for attempt in range(DELETE_ATTEMPTS):
        before = dt.version()
        try:
            write_deltalake(
                dt,
                table.schema.empty_table(),
                mode="overwrite",
                predicate=where,
                partition_by=list(table.partition_by) or None,
            )
        except CommitFailedError:  # in-flight appends received before the cutoff landing
            if attempt == DELETE_ATTEMPTS - 1:
                raise
            time.sleep(min(1.0, 0.05 * 2**attempt))
            dt = io.open_table(table, root) or dt
            continue
        dt.update_incremental()
        return 0 if dt.version() == before else _rows_removed(dt)
    return 0  # unreachable


DELETE_ATTEMPTS = 8  # backoff 0.05 s doubling to 1 s: ~4 s of conflicts before giving up


def received_cutoff(dt: DeltaTable) -> str | None:
    """The newest `received_at` in the table's statistics plus a second (they are kept to the
    millisecond, rounded down), as an ISO literal; None when there is nothing safe to go by."""
    newest = io.newest_received_at(dt)
    if newest is None:
        return None
    return (newest.astimezone(dt_utc) + timedelta(seconds=1)).strftime("%Y-%m-%dT%H:%M:%S.%fZ")


def _rows_removed(dt: DeltaTable) -> int:
    """Rows the latest commit removed, from the log's per-file record counts."""
    after = dt.version()
    before = DeltaTable(dt.table_uri, version=after - 1)

    def rows(t: DeltaTable) -> int:
        col = t.get_add_actions(flatten=True).column("num_records")
        return sum(v for v in col.to_pylist() if v)

    return rows(before) - rows(dt)


def _run(
    kind: str,
    subject: str,
    project_id: str | None,
    predicates: dict[str, str | None],
    build_match: dict[str, list[str]],
    purge_now: bool,
    root: str | None,
    duckdb_path: Path | None,
    duckdb_wait_s: float,
    redact: set[str],
) -> ErasureResult:
    request_id = erasure_log.open_request(kind, subject, project_id, root)
    result = ErasureResult(request_id, "pending")
    try:
        for table in data_tables():
            pred = predicates.get(table.name)
            if pred is not None and io.open_table(table, root) is not None:
                result.rows_deleted[table.path] = delete_rows(table, pred, root)
        if purge_now:  # every data table: earlier erasures' files go too
            for table in data_tables():
                purge.purge_now(table, root)
        path = duckdb_path or get_settings().duckdb_path
        counts = erasure_duckdb.erase_build_file(
            Path(path), build_match, project_id, compact=purge_now, wait_s=duckdb_wait_s
        )
        result.rows_deleted.update(counts or {})
        result.status = "done"
    except Exception as exc:  # recorded, then raised for the caller's exit code
        message = " ".join(f"{type(exc).__name__}: {exc}".split())
        for secret in sorted(redact, key=len, reverse=True):
            message = message.replace(secret, "<id>")  # the log must not keep the id
        result.status, result.error = "failed", message[:500]
        erasure_log.close_request(request_id, "failed", result.rows_deleted, result.error, root)
        raise ErasureFailed(result) from exc
    erasure_log.close_request(request_id, "done", result.rows_deleted, None, root)
    return result


def forget_person(
    person_id: str,
    project: str | None = None,
    *,
    purge_now: bool = False,
    root: str | None = None,
    duckdb_path: Path | None = None,
    duckdb_wait_s: float = 10.0,
) -> ErasureResult:
    """Delete every row of the person (all linked visitor ids), optionally in one project."""
    if not person_id.strip():
        raise ValueError("person id is empty")
    project_id = _known_project(project, root) if project else None
    linked = find_linked(person_id, project_id, root)
    predicates = {t.name: person_predicate(t, linked, project_id) for t in data_tables()}
    build_match = {
        "visitor_id": sorted(linked.visitor_ids),
        "user_id": [person_id],
        "person_id": sorted(linked.visitor_ids | {person_id}),
        "session_id": sorted(linked.session_ids),
        # as silver's session_id: rows of any visitor that sent one of the person's SDK
        # session_ids go from silver, so from the build's copies (their own session ids) too
        "sdk_session_id": sorted(linked.session_ids),
    }
    subject = erasure_log.person_subject(person_id)
    redact = linked.visitor_ids | {person_id}
    return _run(
        "person",
        subject,
        project_id,
        predicates,
        build_match,
        purge_now,
        root,
        duckdb_path,
        duckdb_wait_s,
        redact,
    )


def forget_person_by_subject(
    subject: str,
    project: str | None = None,
    *,
    purge_now: bool = False,
    root: str | None = None,
    duckdb_path: Path | None = None,
    duckdb_wait_s: float = 10.0,
) -> ErasureResult:
    """`forget_person` for a person named by `person_subject` (the dashboard's requests):
    the id is looked up by its hash; an id stored nowhere is logged done with zero rows."""
    project_id = _known_project(project, root) if project else None
    person_id = resolve_subject(subject, project_id, root)
    if person_id is None:
        request_id = erasure_log.open_request("person", subject, project_id, root)
        erasure_log.close_request(request_id, "done", {}, None, root)
        return ErasureResult(request_id, "done")
    return forget_person(
        person_id,
        project_id,
        purge_now=purge_now,
        root=root,
        duckdb_path=duckdb_path,
        duckdb_wait_s=duckdb_wait_s,
    )


def forget_project(
    project: str,
    *,
    purge_now: bool = False,
    root: str | None = None,
    duckdb_path: Path | None = None,
    duckdb_wait_s: float = 10.0,
) -> ErasureResult:
    """Clear a project's data in every layer; the project and its keys stay."""
    project_id = _known_project(project, root)
    predicates = {
        t.name: f"project_id = {_lit(project_id)}"
        for t in data_tables()
        if "project_id" in t.columns
    }
    build_match = {"project_id": [project_id]}
    return _run(
        "project",
        project_id,
        project_id,
        predicates,
        build_match,
        purge_now,
        root,
        duckdb_path,
        duckdb_wait_s,
        set(),
    )


def _known_project(name: str, root: str | None) -> str:
    """The project id for a name (or id); ValueError when no such project exists."""
    try:
        project_id = keys.project_id_for(name)
    except ValueError:
        project_id = name
    known = io.read_arrow(PROJECTS, ["project_id"], root=root).column("project_id").to_pylist()
    for candidate in (project_id, name):
        if candidate in known:
            return candidate
    raise ValueError(f"unknown project {name!r}")


class ErasureFailed(RuntimeError):
    """An erasure stopped part-way; `result` says what was deleted and why it stopped."""

    def __init__(self, result: ErasureResult) -> None:
        super().__init__(result.error or "erasure failed")
        self.result = result
