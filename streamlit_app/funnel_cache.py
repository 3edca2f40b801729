"""Silver's funnel columns kept in memory per project, sorted by person then time, so that a
funnel click only marks steps and follows attempts (funnel_sorted) over arrays it already has.

Why (10 M-event lake, 4.87 M step events, ~1 M persons, 2 cores): each click scanned silver and
resolved persons (0.3-0.8 CPU s), then split, numbered and sorted the persons' events (~0.45),
1.0-1.4 CPU s in all, every click; on a loaded machine that was 1.2-1.7 s. None of it depends on
the funnel: it is done here once per silver version, and only for what a version adds.

Kept per (lake, project), for the project's human events with event_date >= `lo` (the earliest
date a click asked for): the person number (persons resolved as gold does, funnel_sql.PERSON),
event_time in µs, the event, path and breakdown columns as dictionary codes, and, for rows whose
person comes from their visitor, the visitor number (to move them when the visitor's first
user_id changes). ~21 bytes a row: 187 MiB for 9.4 M events. Held in this module (as db holds
its snapshots), not in st.cache_resource: an entry must outlive its version to be merged into
the next one. Building it from scratch costs ~6-9 CPU s at that size (the Funnels page starts
it in the background, `warm`); a batch of 10 k events ~0.6 CPU s.

Refresh: silver's Delta version is listed on every call (db.versions). A version that only added
files (the micro-batch appends, docs/silver.md) is read for those files alone: the new rows are
merged in at their place, and the earlier rows of visitors whose first user_id changed (a new
identify) move to the user's person. A version that removed any file (compaction, the person
squash, an erasure) is rebuilt from scratch, as is a click on dates before `lo`. Not used (the
caller runs the SQL per click) on object stores or over MAX_ROWS rows.
"""

from __future__ import annotations

import datetime as dt
import logging
import threading
import time
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from typing import Any

import duckdb
import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.parquet as pq

from lake.io import is_local, lake_root, open_table
from lake.registry import EVENTS
from streamlit_app import db

COLUMNS = ("event", "path", "device_type", "channel", "country")
MAX_ROWS = 40_000_000  # silver rows from `lo` (every project) above which nothing is kept
CHUNK = 1 << 20  # rows a part (funnel_sorted solves parts alone, in two threads)
KEEP = 2  # projects kept at once (the least recently used goes)
IDLE_S = 600.0

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


log = logging.getLogger(__name__)
_LOCK = threading.Lock()
_STATES: dict[tuple[str, str], tuple[float, Silver]] = {}
_BUILDS: dict[tuple[str, str], threading.Lock] = {}


def get(root: str | None, project: str, since: dt.date) -> Silver | None:
    """The project's columns at silver's current version, covering dates >= since; None where
    none are kept (object store, no silver, too many rows): run the SQL instead."""
    root = lake_root(root)
    if not is_local(root):
        return None
    key = (root, project)
    listed = db.versions(("events",), root)[0]
    if listed < 0:
        return None
    with _LOCK:
        hit = _STATES.get(key)
        if hit is not None and hit[1].version == listed and hit[1].lo <= since:
            _STATES[key] = (time.monotonic(), hit[1])
            return hit[1]
        build = _BUILDS.setdefault(key, threading.Lock())
    with build:  # one build per project at a time: a second click waits and reuses it
        with _LOCK:
            hit = _STATES.get(key)
        old = hit[1] if hit is not None else None
        if old is not None and old.version == listed and old.lo <= since:
            return old
        table = open_table(EVENTS, root)
        if table is None:
            return None
        files = frozenset(f.removeprefix("file://") for f in table.file_uris())
        if old is not None and old.lo <= since and old.files <= files:
            new = _refresh(old, project, table.version(), files)
        else:
            lo = min(since, old.lo) if old is not None else since
            if _rows_from(table, lo) > MAX_ROWS:
                return None
            new = _build(project, lo, table.version(), files)
        with _LOCK:
            now = time.monotonic()
            _STATES[key] = (now, new)
            for k, (used, _) in list(_STATES.items()):
                if now - used > IDLE_S:
                    del _STATES[k]
            for k, _ in sorted(_STATES.items(), key=lambda kv: kv[1][0])[:-KEEP]:
                del _STATES[k]
    return new


def warm(root: str | None, project: str, since: dt.date) -> None:
    """Build or refresh the project's columns in a background thread unless they are current or
    being built: the Funnels page calls this when it renders, so that its first click does not
    pay for a build (seconds at 10 M events), only the page's later clicks' own work."""
    root = lake_root(root)
    if not is_local(root):
        return
    key = (root, project)
    listed = db.versions(("events",), root)[0]
    with _LOCK:
        hit = _STATES.get(key)
        if listed < 0 or (hit is not None and hit[1].version == listed and hit[1].lo <= since):
            return
        if _BUILDS.setdefault(key, threading.Lock()).locked():
            return

    def run() -> None:
        try:
            get(root, project, since)
        except Exception:  # the click will try again, and show the error if it persists
            log.exception("building the funnel columns of %s failed", project)

    threading.Thread(target=run, name="funnel-columns", daemon=True).start()


def clear() -> None:
    """Drop every kept project (tests, and benchmarks of a first click)."""
    with _LOCK:
        _STATES.clear()


def _rows_from(table: Any, lo: dt.date) -> int:
    """Silver's rows in partitions >= lo, every project (from the Delta log's statistics)."""
    adds = pa.table(table.get_add_actions(flatten=True))
    if adds.num_rows == 0:
        return 0
    dates = adds.column("partition.event_date").to_pylist()
    counts = adds.column("num_records").to_pylist()
    return sum(c or 0 for d, c in zip(dates, counts, strict=True) if str(d) >= lo.isoformat())


def _read(files: list[str], sql: str, params: dict[str, Any]) -> pa.Table:
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


def _file_rows(files: list[str], project: str, lo: dt.date) -> Iterator[pa.Table]:
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


def _ident(table: pa.Table) -> pd.DataFrame:
    return pd.DataFrame(
        {
            "t": table.column("t").cast(pa.int64()).to_numpy(),
            "eid": table.column("eid").to_numpy(zero_copy_only=False),
            "uh": table.column("uh").to_numpy(),
        },
        index=pd.Index(table.column("vh").to_numpy(), name="vh"),
    )


def _number(index: pd.Index | None, hashes: np.ndarray) -> tuple[np.ndarray, pd.Index]:
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


def _visitor_persons(visitors: pd.Index, ident: pd.DataFrame) -> np.ndarray:
    """visitor number → person hash: the visitor's first user_id's hash, else its own."""
    out = visitors.to_numpy(dtype=np.uint64).copy()
    j = ident.index.get_indexer(visitors) if len(ident) else np.full(len(out), -1)
    has = j >= 0
    out[has] = ident["uh"].to_numpy(dtype=np.uint64)[j[has]]
    return out


@dataclass
class _Rows:
    """Rows read from silver, not yet placed: person hashes still to number."""

    ph: np.ndarray
    t: np.ndarray
    vis: np.ndarray
    cols: dict[str, np.ndarray]


def _encode(
    batches: Iterable[pa.Table],
    codes: dict[str, Codes],
    visitors: pd.Index | None,
    ident: pd.DataFrame,
) -> tuple[_Rows, dict[str, Codes], pd.Index]:
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
    vis, visitors = _number(visitors, np.concatenate(vh))
    owns = np.concatenate(own)
    ph = np.where(owns, np.concatenate(uh), _visitor_persons(visitors, ident)[vis])
    out = {c: np.concatenate([a.astype(codes[c].dtype) for a in cols[c]]) for c in COLUMNS}
    rows = _Rows(ph, np.concatenate(t), np.where(owns, -1, vis).astype(np.int32), out)
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


def _bounds(p: np.ndarray) -> np.ndarray:
    cuts = np.searchsorted(p, p[np.arange(CHUNK, len(p), CHUNK)], "left")
    return np.unique(np.concatenate(([0], cuts, [len(p)]))).astype(np.int64)


def _span(t: np.ndarray, old: tuple[int, int] = (0, -1)) -> tuple[int, int]:
    """old widened to cover t (old (0, -1): nothing yet)."""
    if len(t) == 0:
        return old
    lo, hi = int(t.min()), int(t.max())
    return (lo, hi) if old[1] < old[0] else (min(lo, old[0]), max(hi, old[1]))


def _build(project: str, lo: dt.date, version: int, files: frozenset[str]) -> Silver:
    params = {"project": project}
    ident = _ident(_read(sorted(files), IDENT, params))
    batches = _file_rows(sorted(files), project, lo)
    rows, codes, visitors = _encode(batches, {}, None, ident)
    p, persons = _number(None, rows.ph)
    order = _order(p, rows.t)
    p = p[order].astype(np.int32)
    cols = {c: a[order] for c, a in rows.cols.items()}
    t = rows.t[order]
    return Silver(version, files, lo, p, t, rows.vis[order], cols, codes, visitors, persons,
                  ident, _bounds(p), _span(t))  # fmt: skip


def _merge_ident(old: pd.DataFrame, new: pd.DataFrame) -> tuple[pd.DataFrame, np.ndarray]:
    """old's first user_ids updated by a batch's; and the hashes of visitors whose changed."""
    if len(new) == 0:
        return old, np.zeros(0, dtype=np.uint64)
    if len(old) == 0:  # nobody identified before: every one of them is new
        return new, new.index.to_numpy(dtype=np.uint64)
    j = old.index.get_indexer(new.index)
    seen = j >= 0
    ot, oe = old["t"].to_numpy()[j], old["eid"].to_numpy()[j]
    earlier = ~seen | (new["t"].to_numpy() < ot)
    tie = seen & (new["t"].to_numpy() == ot)
    earlier[tie] = new["eid"].to_numpy()[tie] < oe[tie]
    wins = new[earlier]
    changed = ~seen[earlier] | (wins["uh"].to_numpy() != old["uh"].to_numpy()[j[earlier]])
    merged = pd.concat([old[~old.index.isin(wins.index)], wins])
    return merged, wins.index.to_numpy(dtype=np.uint64)[changed]


def _search(p: np.ndarray, t: np.ndarray, qp: np.ndarray, qt: np.ndarray) -> np.ndarray:
    """Where (qp, qt) goes in rows sorted by (p, t), after equal ones (a binary search in the
    person's rows, all queries at once)."""
    lo = np.searchsorted(p, qp, "left")
    hi = np.searchsorted(p, qp, "right")
    while True:
        open_ = lo < hi
        if not open_.any():
            return lo
        mid = (lo + hi) // 2
        go = open_ & (t[np.minimum(mid, len(t) - 1)] <= qt)
        lo = np.where(go, mid + 1, lo)
        hi = np.where(open_ & ~go, mid, hi)


def _refresh(old: Silver, project: str, version: int, files: frozenset[str]) -> Silver:
    """old plus what the files added since it (see the module's docstring)."""
    added = sorted(files - old.files)
    if not added:
        return _replace(old, version, files)
    params = {"project": project}
    ident, changed = _merge_ident(old.ident, _ident(_read(added, IDENT, params)))
    rows, codes, visitors = _encode(
        _file_rows(added, project, old.lo), old.codes, old.visitors, ident
    )
    # earlier rows of visitors with another first user_id now: out, and back in at their place
    moving = np.zeros(len(visitors), dtype=bool)
    j = visitors.get_indexer(changed)
    moving[j[j >= 0]] = True
    move = (old.vis >= 0) & moving[np.maximum(old.vis, 0)]
    if not move.any() and len(rows.t) == 0:
        return _replace(old, version, files, ident=ident, codes=codes, visitors=visitors)
    vp = _visitor_persons(visitors, ident)
    ph = np.concatenate([vp[old.vis[move]], rows.ph])
    t = np.concatenate([old.t[move], rows.t])
    vis = np.concatenate([old.vis[move], rows.vis])
    cols = {c: np.concatenate([old.cols[c][move].astype(codes[c].dtype),
                               rows.cols[c].astype(codes[c].dtype)]) for c in COLUMNS}  # fmt: skip
    p, persons = _number(old.persons, ph)
    order = np.lexsort((t, p))
    keep = ~move
    kp, kt = old.p[keep], old.t[keep]
    at = _search(kp, kt, p[order], t[order])
    new_p = np.insert(kp, at, p[order].astype(np.int32))
    new_cols = {
        c: np.insert(old.cols[c][keep].astype(codes[c].dtype), at, cols[c][order]) for c in COLUMNS
    }
    return Silver(version, files, old.lo, new_p, np.insert(kt, at, t[order]),
                  np.insert(old.vis[keep], at, vis[order]), new_cols, codes, visitors, persons,
                  ident, _bounds(new_p), _span(rows.t, old.span))  # fmt: skip


def _replace(old: Silver, version: int, files: frozenset[str], **kw: Any) -> Silver:
    fields = {f: getattr(old, f) for f in Silver.__dataclass_fields__}
    return Silver(**(fields | {"version": version, "files": files} | kw))
