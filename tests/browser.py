"""Debian's Chromium for the browser tests: where it is and how it must start on this machine.

Never a downloaded browser. Without the background-networking flags Chromium keeps dialling
Google's hosts, which this machine's closed network refuses.
"""

from __future__ import annotations

import shutil

CHROMIUM = shutil.which("chromium") or "/usr/bin/chromium"
FLAGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
]
