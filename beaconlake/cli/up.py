"""`beaconlake up`: the whole stack on the local lake."""

from __future__ import annotations


def up() -> None:
    """Start collector, Dagster, Streamlit and the demo shop; print the URLs."""
