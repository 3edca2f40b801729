"""The demo shop's key file: `/demo/config.js` tells the pages which write key to use.

`beaconlake up` (or `beaconlake demo config --key …`) writes it; it is gitignored because a
write key belongs to one lake.
"""

from __future__ import annotations

import json
from pathlib import Path


def write_config(
    key: str, demo_dir: Path, host: str = "", options: dict[str, object] | None = None
) -> Path:
    """Write demo_dir/config.js; `host` "" means the collector that serves the page; `options`
    become more data-* attributes of the SDK's script tag (e.g. {"allowWebdriver": True})."""
    if not key.startswith("bl_pub_"):
        raise ValueError("the demo shop needs a write key (bl_pub_…)")
    path = Path(demo_dir) / "config.js"
    path.write_text(
        f"window.BEACONLAKE_DEMO_KEY = {json.dumps(key)};\n"
        f"window.BEACONLAKE_DEMO_HOST = {json.dumps(host)};\n"
        f"window.BEACONLAKE_DEMO_OPTIONS = {json.dumps(options or {})};\n"
    )
    return path
