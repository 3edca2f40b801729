"""Silver's funnel columns for one project as numpy arrays sorted by person then time, built from
silver's Parquet files (`build`); funnel_refresh adds a later version's files, funnel_cache keeps
them, funnel_sorted solves funnels on them.

Kept for the project's human events with event_date >= `lo`: the person number (persons resolved
as gold does, funnel_sql.PERSON), event_time in µs, the event, path and breakdown columns as
dictionary codes, and, for rows whose person comes from their visitor, the visitor number (to move
them when the visitor's first user_id changes). ~21 bytes a row: 187 MiB for 9.4 M events;
building them costs ~6-9 CPU s at that size.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from typing import Any

import duckdb
import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.parquet as pq

from lake.registry import EVENTS

COLUMNS = ("event", "path", "device_type", "channel", "country")
CHUNK = 1 << 20  # rows a part (funnel_sorted solves parts alone, in two threads)

_WHERE = "project_id = $project and not is_bot"
IDS = "select hash(visitor_id) as vh, case when user_id <> '' then hash(user_id) end as uh from f"
# A visitor's first user_id (funnel_sql.IDENTIFIED), with the (event_time, event_id) that makes
# it first, so that a later batch's identify can be compared with it.
IDENT = (
    "select hash(visitor_id) as vh, min(event_time) as t, "
    "arg_min(event_id, (event_time, event_id)) as eid, "
    "hash(arg_min(user_id, (event_time, event_id))) as uh "
    f"from ev where {_WHERE} and user_id is not null and user_id <> '' group by visitor_id"
)


@dataclass(frozen=True)
class Codes:
    """A column's dictionary: code → value, code 0 is NULL; grows as new values come."""

    values: tuple[Any, ...] = (None,)
    lookup: dict[Any, int] | None = None

    @property
    def dtype(self) -> np.dtype:
        return np.min_scalar_type(len(self.values) - 1)

    def encode(self, col: pa.ChunkedArray | pa.Array) -> tuple[np.ndarray, Codes]:
        """The column's codes, and the dictionary with its new values (self is not changed).
        Dictionary arrays (Parquet's own, per row group) are mapped without their strings."""
        chunks = col.chunks if isinstance(col, pa.ChunkedArray) else [col]
        values, lookup = list(self.values), dict(self.lookup or {})
        out = []
        for arr in chunks:
            d = arr if pa.types.is_dictionary(arr.type) else arr.dictionary_encode()
            local = d.dictionary.to_pylist()
            to = np.zeros(len(local) + 1, dtype=np.int64)  # the last: NULL, code 0
            for i, v in enumerate(local):
                if v is not None:
                    to[i] = lookup.setdefault(v, len(values))
                    if to[i] == len(values):
                        values.append(v)
            small = to.astype(np.min_scalar_type(len(values) - 1))  # 1-4 bytes a row, not 8
            out.append(small[d.indices.fill_null(len(local)).to_numpy(zero_copy_only=False)])
        new = Codes(tuple(values), lookup)
        return np.concatenate(out or [np.zeros(0, np.int64)]).astype(new.dtype), new


@dataclass(frozen=True)
class Silver:
    """One project's funnel columns at one silver version; rows sorted by (p, t).

    Never changed once built (a refresh makes a new one), so clicks can read it unlocked."""

    version: int
    files: frozenset[str]
    lo: dt.date
    p: np.ndarray  # int32 person number, ascending
    t: np.ndarray  # int64 epoch µs, ascending within a person
    vis: np.ndarray  # int32 visitor number where the person is the visitor's, else -1
    cols: dict[str, np.ndarray]  # COLUMNS → codes
    codes: dict[str, Codes]
    visitors: pd.Index  # visitor number → hash(visitor_id)
    persons: pd.Index  # person number → person hash
    ident: pd.DataFrame  # index hash(visitor_id): t, eid, uh of its first user_id
    bounds: np.ndarray  # part starts at person starts, ~CHUNK rows apart; last = len
    span: tuple[int, int]  # (earliest, latest) event time kept, µs; (0, -1) when none

    @property
    def nbytes(self) -> int:
        arrays = [self.p, self.t, self.vis, *self.cols.values()]
        return sum(a.nbytes for a in arrays)


def read(files: list[str], sql: str, params: dict[str, Any]) -> pa.Table:
    """sql over these silver files (`ev`), on a connection of its own."""
    con = duckdb.connect(config={"memory_limit": "1GB"})
    try:
        con.execute("set TimeZone = 'UTC'")
        if files:
            con.read_parquet(files, hive_partitioning=True, union_by_name=True).create_view("ev")
        else:  # the registry's columns, no rows
            con.from_arrow(EVENTS.schema.empty_table()).create_view("ev")
        return con.sql(sql, params=params).to_arrow_table()
    finally:
        con.close()


def file_rows(files: list[str], project: str, lo: dt.date) -> Iterator[pa.Table]:
    """The project's human events with event_time >= lo (event_date is its UTC date), a file
    at a time: vh = hash(visitor_id), uh = hash(user_id) where not empty (as funnel_sql), t,
    and COLUMNS as Parquet's dictionaries (no strings built).

    Why not one DuckDB query: it decodes every string of 9.4 M rows (1.5 CPU s, 680 MB at
    once) and Arrow then re-encodes them (1.8 CPU s); pyarrow hands over Parquet's dictionary
    pages as they are. Only the two id columns go through DuckDB, for the same `hash`."""
    since = int(dt.datetime.combine(lo, dt.time(), tzinfo=dt.UTC).timestamp()) * 1_000_000
    con = duckdb.connect(config={"memory_limit": "1GB"})
    try:
        for f in files:
            day = f.split("event_date=", 1)[1][:10] if "event_date=" in f else None
            if day is not None and day < lo.isoformat():
                continue  # a whole partition before lo
            names = set(pq.ParquetFile(f).schema_arrow.names)
            want = ["project_id", "is_bot", "event_time", "visitor_id", "user_id", *COLUMNS]
            dicts = [c for c in ("project_id", *COLUMNS) if c in names]
            tb = pq.read_table(f, columns=[c for c in want if c in names], read_dictionary=dicts)
            for c in want:
                if c not in names:  # written before the column existed
                    tb = tb.append_column(c, pa.nulls(tb.num_rows, EVENTS.schema.field(c).type))
            t = tb.column("event_time").cast(pa.int64())
            keep = pc.and_(pc.equal(tb.column("project_id").cast(pa.string()), project),
                           pc.invert(tb.column("is_bot")))  # fmt: skip
            keep = pc.and_(keep, pc.greater_equal(t, since))
            tb = tb.filter(keep)
            con.register("f", tb.select(["visitor_id", "user_id"]))
            ids = con.sql(IDS).to_arrow_table()
            con.unregister("f")
            cols = {"vh": ids.column("vh"), "uh": ids.column("uh"), "t": tb.column("event_time")}
            yield pa.table(cols | {c: tb.column(c) for c in COLUMNS})
    finally:
        con.close()


def ident_frame(table: pa.Table) -> pd.DataFrame:
    return pd.DataFrame(
        {
            "t": table.column("t").cast(pa.int64()).to_numpy(),
            "eid": table.column("eid").to_numpy(zero_copy_only=False),
            "uh": table.column("uh").to_numpy(),
        },
        index=pd.Index(table.column("vh").to_numpy(), name="vh"),
    )


def number(index: pd.Index | None, hashes: np.ndarray) -> tuple[np.ndarray, pd.Index]:
    """Numbers of these hashes in index, new ones appended (in order of first appearance)."""
    if index is None or len(index) == 0:
        codes, uniques = pd.factorize(hashes)
        return codes.astype(np.int64), pd.Index(uniques, dtype=np.uint64)
    codes = index.get_indexer(hashes)
    fresh = codes < 0
    if fresh.any():
        more, uniques = pd.factorize(hashes[fresh])
        codes[fresh] = more + len(index)
        index = index.append(pd.Index(uniques, dtype=np.uint64))
    return codes.astype(np.int64), index


def visitor_persons(visitors: pd.Index, ident: pd.DataFrame) -> np.ndarray:
    """visitor number → person hash: the visitor's first user_id's hash, else its own."""
    out = visitors.to_numpy(dtype=np.uint64).copy()
    j = ident.index.get_indexer(visitors) if len(ident) else np.full(len(out), -1)
    has = j >= 0
    out[has] = ident["uh"].to_numpy(dtype=np.uint64)[j[has]]
    return out


@dataclass
class Rows:
    """Rows read from silver, not yet placed: person hashes still to number."""

    ph: np.ndarray
    t: np.ndarray
    vis: np.ndarray
    cols: dict[str, np.ndarray]


def encode(
    batches: Iterable[pa.Table],
    codes: dict[str, Codes],
    visitors: pd.Index | None,
    ident: pd.DataFrame,
) -> tuple[Rows, dict[str, Codes], pd.Index]:
    vh, uh, own, t, cols = [], [], [], [], {c: [] for c in COLUMNS}
    codes = dict(codes)
    for b in batches:
        vh.append(b.column("vh").to_numpy())
        u = b.column("uh").combine_chunks()
        valid = u.is_valid().to_numpy(zero_copy_only=False)
        own.append(valid)
        uh.append(u.fill_null(0).to_numpy())
        t.append(b.column("t").cast(pa.int64()).to_numpy())
        for c in COLUMNS:
            got, codes[c] = codes.get(c, Codes()).encode(b.column(c))
            cols[c].append(got)
    vis, visitors = number(visitors, np.concatenate(vh))
    owns = np.concatenate(own)
    ph = np.where(owns, np.concatenate(uh), visitor_persons(visitors, ident)[vis])
    out = {c: np.concatenate([a.astype(codes[c].dtype) for a in cols[c]]) for c in COLUMNS}
    rows = Rows(ph, np.concatenate(t), np.where(owns, -1, vis).astype(np.int32), out)
    return rows, codes, visitors


def _order(p: np.ndarray, t: np.ndarray) -> np.ndarray:
    """argsort by (p, t): one int64 key where both fit in 63 bits, else a two-key lexsort."""
    if len(t) == 0:
        return np.zeros(0, dtype=np.int64)
    t0 = int(t.min())
    bits = max(int(t.max()) - t0, 1).bit_length()
    if max(int(p.max()), 1).bit_length() + bits <= 63:
        return np.argsort((p << bits) | (t - t0))
    return np.lexsort((t, p))


def bounds(p: np.ndarray) -> np.ndarray:
    cuts = np.searchsorted(p, p[np.arange(CHUNK, len(p), CHUNK)], "left")
    return np.unique(np.concatenate(([0], cuts, [len(p)]))).astype(np.int64)


def span(t: np.ndarray, old: tuple[int, int] = (0, -1)) -> tuple[int, int]:
    """old widened to cover t (old (0, -1): nothing yet)."""
    if len(t) == 0:
        return old
    lo, hi = int(t.min()), int(t.max())
    return (lo, hi) if old[1] < old[0] else (min(lo, old[0]), max(hi, old[1]))


def build(project: str, lo: dt.date, version: int, files: frozenset[str]) -> Silver:
    """The project's columns from these silver files, from scratch."""
    params = {"project": project}
    ident = ident_frame(read(sorted(files), IDENT, params))
    batches = file_rows(sorted(files), project, lo)
    rows, codes, visitors = encode(batches, {}, None, ident)
    p, persons = number(None, rows.ph)
    order = _order(p, rows.t)
    p = p[order].astype(np.int32)
    cols = {c: a[order] for c, a in rows.cols.items()}
    t = rows.t[order]
    return Silver(version, files, lo, p, t, rows.vis[order], cols, codes, visitors, persons,
                  ident, bounds(p), span(t))  # fmt: skip
