"""The session player: the lake's replay chunks, decoded, played by rrweb-player in the page.

rrweb-player's JS and CSS are the files sdk/js/build.mjs copies into components/replay_player/
(never a CDN); they are inlined with the session's events into one HTML document that
`st.iframe` shows. rrweb's replayer rebuilds the recorded DOM in its own sandboxed iframe
with scripts off, and the events are JSON-escaped, so recorded pages cannot run code here.
Rage clicks and errors from the event timeline go in as rrweb custom events (type 5) whose
tags the player marks on its progress bar.
"""

from __future__ import annotations

import json
from functools import lru_cache
from pathlib import Path
from typing import Any

import pandas as pd

PLAYER_DIR = Path(__file__).parent / "components" / "replay_player"
MARKED = {"rage_click": "#d62728", "error": "#ff7f0e"}  # event name → marker colour
CUSTOM = 5  # rrweb EventType.Custom
META = 4  # rrweb EventType.Meta


@lru_cache(maxsize=1)
def _assets() -> tuple[str, str]:
    js = (PLAYER_DIR / "rrweb-player.js").read_text()
    css = (PLAYER_DIR / "rrweb-player.css").read_text()
    return js, css


def available() -> bool:
    """True when the player files are built (`npm run build` in sdk/js)."""
    return all((PLAYER_DIR / f).is_file() for f in ("rrweb-player.js", "rrweb-player.css"))


def markers(timeline: pd.DataFrame) -> list[dict[str, Any]]:
    """rrweb custom events for the timeline's rage clicks and errors, at their event times."""
    if timeline.empty:
        return []
    rows = timeline[timeline["event"].isin(list(MARKED))]
    out = []
    for r in rows.itertuples():
        ms = int(pd.Timestamp(r.event_time).timestamp() * 1000)
        payload = {"path": r.path, "properties": r.properties}
        out.append({"type": CUSTOM, "timestamp": ms, "data": {"tag": r.event, "payload": payload}})
    return out


def with_markers(events: list[dict[str, Any]], marks: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """The recording from its first Meta event (rrweb needs one before a full snapshot; a session
    that began mid-recording starts with a few events that have none) plus the markers inside
    its time span; [] when nothing is playable."""
    start = next((i for i, e in enumerate(events) if e.get("type") == META), None)
    if start is None:
        return []
    events = events[start:]
    lo, hi = events[0]["timestamp"], events[-1]["timestamp"]
    inside = [m for m in marks if lo <= m["timestamp"] <= hi]
    return sorted([*events, *inside], key=lambda e: e["timestamp"])


def _script_json(value: Any) -> str:
    """JSON safe inside a <script> element (no `</script>` or `<!--` can close it)."""
    return json.dumps(value, separators=(",", ":")).replace("<", "\\u003c")


def player_html(events: list[dict[str, Any]], width: int = 640, height: int = 400) -> str:
    """A self-contained page playing `events`; it writes the replayer's event count into
    `document.body.dataset.events` once loaded (what the browser test reads)."""
    js, css = _assets()
    opts = {
        "events": events,
        "width": width,
        "height": height,
        "autoPlay": False,
        "tags": MARKED,
        "showController": True,
    }
    return f"""<!doctype html><html><head><meta charset="utf-8"><style>{css}
body{{margin:0;font-family:sans-serif}}</style></head><body><div id="player"></div>
<script>{js}</script>
<script>
(function () {{
  var o = {_script_json(opts)};
  var P = rrwebPlayer.Player || rrwebPlayer.default || rrwebPlayer;
  try {{
    var p = new P({{target: document.getElementById('player'), props: o}});
    var n = p.getReplayer().service.state.context.events.length;
    document.body.dataset.events = String(n);
    document.body.dataset.duration = String(p.getMetaData().totalTime);
  }} catch (e) {{
    document.body.dataset.error = String(e && e.message || e);
  }}
}})();
</script></body></html>"""
