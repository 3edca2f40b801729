"""Projects and API keys, stored hashed in the lake's `meta` tables.

A write key (`bl_pub_…`) is public: it only lets a client post events to one project. A secret
key (`bl_sec_…`) reads. Only sha256 hashes are stored.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import re
import secrets
import uuid

from lake import io
from lake.registry import API_KEYS, PROJECTS

KEY_PREFIX = {"write": "bl_pub_", "secret": "bl_sec_"}
_SLUG = re.compile(r"[^a-z0-9]+")


def hash_key(key: str) -> str:
    return hashlib.sha256(key.encode("utf-8", "surrogatepass")).hexdigest()


def project_id_for(name: str) -> str:
    """A stable id from a project name: lower-case, dashes, at most 64 characters."""
    slug = _SLUG.sub("-", name.strip().lower()).strip("-")[:64]
    if not slug:
        raise ValueError(f"project name {name!r} has no letters or digits")
    return slug


def ensure_project(name: str, root: str | None = None) -> str:
    project_id = project_id_for(name)
    existing = io.read_arrow(PROJECTS, ["project_id"], [("project_id", "=", project_id)], root)
    if existing.num_rows == 0:
        now = dt.datetime.now(dt.UTC)
        io.append(
            PROJECTS, [{"project_id": project_id, "name": name, "created_at": now}], root=root
        )
    return project_id


def create_key(project: str, kind: str = "write", root: str | None = None) -> tuple[str, str]:
    """Create the project if new and a new key for it; returns (project_id, key)."""
    if kind not in KEY_PREFIX:
        raise ValueError(f"unknown key kind {kind!r}")
    project_id = ensure_project(project, root)
    key = KEY_PREFIX[kind] + secrets.token_urlsafe(24)
    row = {
        "key_id": uuid.uuid4().hex,
        "project_id": project_id,
        "kind": kind,
        "key_hash": hash_key(key),
        "created_at": dt.datetime.now(dt.UTC),
        "revoked_at": None,
    }
    io.append(API_KEYS, [row], root=root)
    return project_id, key


def load_keys(kind: str = "write", root: str | None = None) -> dict[str, str]:
    """key_hash → project_id for live keys of one kind."""
    t = io.read_arrow(API_KEYS, ["key_hash", "project_id", "kind", "revoked_at"], root=root)
    rows = t.to_pylist()
    return {
        r["key_hash"]: r["project_id"] for r in rows if r["kind"] == kind and not r["revoked_at"]
    }


def keys_version(root: str | None = None) -> int:
    """The key table's Delta version (-1 when absent): reload only when it moves."""
    dt_ = io.open_table(API_KEYS, root)
    return -1 if dt_ is None else dt_.version()


__all__ = ["create_key", "ensure_project", "hash_key", "keys_version", "load_keys"]


def list_keys(root: str | None = None) -> list[dict]:
    """Every key's metadata (never the key itself), oldest first."""
    cols = ["key_id", "project_id", "kind", "created_at", "revoked_at"]
    return sorted(
        io.read_arrow(API_KEYS, cols, root=root).to_pylist(), key=lambda r: r["created_at"]
    )


def revoke_key(key_or_id: str, root: str | None = None) -> int:
    """Revoke a key given as the key itself or its key_id; returns how many keys were revoked.

    The collector answers 401 for it within `key_refresh_s`.
    """
    dt_ = io.open_table(API_KEYS, root)
    if dt_ is None:
        return 0
    wanted = {hash_key(key_or_id), key_or_id}
    rows = io.read_arrow(API_KEYS, ["key_id", "key_hash", "revoked_at"], root=root).to_pylist()
    ids = [
        r["key_id"] for r in rows if {r["key_id"], r["key_hash"]} & wanted and not r["revoked_at"]
    ]
    if not ids:
        return 0
    quoted = ", ".join("'" + i.replace("'", "''") + "'" for i in ids)
    now = dt.datetime.now(dt.UTC).strftime("%Y-%m-%d %H:%M:%S.%f")
    dt_.update(
        predicate=f"key_id in ({quoted})",
        updates={"revoked_at": f"cast('{now}' as timestamp)"},
    )
    return len(ids)
