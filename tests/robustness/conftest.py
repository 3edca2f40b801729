"""The soak test first: it takes minutes, so under xdist its file should start at once on one
worker while the others share the rest, not be handed out last.

Takes effect with `pytest -n 3 --dist loadfile --no-loadscope-reorder`: by default xdist hands out
files with the most tests first, which puts this one-test file at the back of the queue.
"""

from __future__ import annotations

import pytest


@pytest.hookimpl(trylast=True)
def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    items.sort(key=lambda item: item.get_closest_marker("soak") is None)  # stable: soak first
