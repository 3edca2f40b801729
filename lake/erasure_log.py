"""The `erasure_requests` log: one row per `beaconlake forget`, pending until it finishes.

The row is written before anything is deleted, so a crash leaves a visible `pending` request
to re-run. A person is recorded by the sha256 of their id, never the id itself: after an
erasure and a vacuum, no file of the lake holds the id, the log included.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import uuid

from deltalake import write_deltalake

from lake import io
from lake.registry import ERASURE_REQUESTS


def _lit(value: str) -> str:
    """A SQL string literal for delta-rs predicates and update expressions."""
    return "'" + value.replace("'", "''") + "'"


def person_subject(person_id: str) -> str:
    """How a person is named in the log: a hash that cannot be read back into the id."""
    return "sha256:" + hashlib.sha256(person_id.encode("utf-8", "surrogatepass")).hexdigest()


def open_request(
    kind: str, subject: str, project_id: str | None = None, root: str | None = None
) -> str:
    """Log a pending request; returns its id."""
    request_id = uuid.uuid4().hex
    row = {
        "request_id": request_id,
        "kind": kind,
        "subject": subject,
        "project_id": project_id,
        "requested_at": dt.datetime.now(dt.UTC),
        "status": "pending",
    }
    io.append(ERASURE_REQUESTS, [row], root=root)
    return request_id


def close_request(
    request_id: str,
    status: str,
    rows_deleted: dict[str, int],
    error: str | None = None,
    root: str | None = None,
) -> None:
    """Replace the request's row with its outcome, in one commit.

    A replace-where, not `DeltaTable.update`: delta-rs 1.6 rewrites updated files with
    `string_view` columns, which PyArrow cannot filter (see `lake.erasure.delete_rows`).
    """
    table = io.ensure_table(ERASURE_REQUESTS, root)
    rows = io.read_arrow(ERASURE_REQUESTS, filters=[("request_id", "=", request_id)], root=root)
    row = rows.to_pylist()[0]
    row.update(
        status=status,
        completed_at=dt.datetime.now(dt.UTC),
        rows_deleted=json.dumps(rows_deleted, sort_keys=True),
        error=error,
    )
    write_deltalake(
        table,
        io.conform(ERASURE_REQUESTS, [row]),
        mode="overwrite",
        predicate=f"request_id = {_lit(request_id)}",
    )


def list_requests(root: str | None = None) -> list[dict]:
    """Every logged request, oldest first."""
    rows = io.read_arrow(ERASURE_REQUESTS, root=root).to_pylist()
    return sorted(rows, key=lambda r: r["requested_at"])
