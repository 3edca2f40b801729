"""Rewrite a Delta commit file without what could name an erased person.

A commit's `add`/`remove` actions carry the file's min/max column statistics (an erased visitor
id can be a min or a max), and its `commitInfo` the operation's parameters (a delete's
predicate lists the erased ids). Both are optional in the Delta protocol: every reader builds
the same table state without them, and a writer's conflict check without statistics treats a
file as possibly matching (it errs on the safe side). Everything else (paths, partition values,
sizes, app transactions, metadata, protocol) is kept, so the file still occupies its version.
"""

from __future__ import annotations

import json
import re
import uuid

import pyarrow.fs as pafs

COMMIT = re.compile(r"^(\d{20})\.json$")
VERSIONED = re.compile(r"^(\d{20})\.")
# commitInfo keys kept: what and when, never with which values.
COMMIT_INFO_KEEP = frozenset(
    {
        "timestamp",
        "inCommitTimestamp",
        "operation",
        "isBlindAppend",
        "readVersion",
        "isolationLevel",
        "engineInfo",
        "clientVersion",
        "txnId",
        "operationMetrics",
    }
)
FILE_ACTIONS = ("add", "remove")


def version_of(name: str) -> int | None:
    """The version a `_delta_log` file belongs to, None for `_last_checkpoint` and temp files."""
    m = VERSIONED.match(name)
    return int(m.group(1)) if m else None


def is_commit(name: str) -> bool:
    return COMMIT.match(name) is not None


def is_state_file(name: str) -> bool:
    """Checkpoints (classic, multi-part, v2), checksums and log compactions: derived copies of
    the log that hold statistics too; no writer takes a version by creating one."""
    return ".checkpoint." in name or name.endswith(".crc") or name.endswith(".compacted.json")


def scrub_line(line: str) -> str:
    """One action without statistics or commit parameters (other actions unchanged)."""
    action = json.loads(line)
    for kind in FILE_ACTIONS:
        if isinstance(action.get(kind), dict):
            action[kind].pop("stats", None)
            action[kind].pop("stats_parsed", None)
    info = action.get("commitInfo")
    if isinstance(info, dict):
        action["commitInfo"] = {k: v for k, v in info.items() if k in COMMIT_INFO_KEEP}
    return json.dumps(action, separators=(",", ":"), ensure_ascii=False)


def scrub_text(text: str) -> str:
    return "".join(scrub_line(line) + "\n" for line in text.splitlines() if line.strip())


def scrub_commit(fs: pafs.FileSystem, path: str) -> bool:
    """Replace the commit file at `path` by its scrubbed text; False when nothing to remove.

    Written beside it and renamed over it, so a concurrent reader or conflict check reads the
    old or the new file whole, and the version is never free in between.
    """
    with fs.open_input_stream(path) as f:
        text = f.read().decode("utf-8")
    clean = scrub_text(text)
    if clean == text:
        return False
    tmp = f"{path.rsplit('/', 1)[0]}/_scrub_{uuid.uuid4().hex}.json.tmp"
    with fs.open_output_stream(tmp) as out:
        out.write(clean.encode("utf-8"))
    fs.move(tmp, path)
    return True
