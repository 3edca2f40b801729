"""Fixtures for dashboard tests: the hand-counted fixture lake and an AppTest factory."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
import streamlit as st
from streamlit.testing.v1 import AppTest

from tests.streamlit_app import fixture_lake

APP = Path(__file__).resolve().parents[2] / "streamlit_app" / "app.py"


@pytest.fixture
def lake(lake_root: str) -> str:
    """The fixture lake (see fixture_lake.py) at a fresh temp root; caches start empty."""
    fixture_lake.build(lake_root)
    st.cache_data.clear()
    return lake_root


@pytest.fixture
def app() -> Callable[..., AppTest]:
    """app(_page=None, **query_params) → an AppTest that ran the app (on page, if given)."""

    def make(_page: str | None = None, **params: str) -> AppTest:
        at = AppTest.from_file(str(APP), default_timeout=60)
        at.query_params.update(params)
        at.run()
        if _page:
            at.switch_page(f"app_pages/{_page}").run()
        return at

    return make


@pytest.fixture(autouse=True)
def _secrets_reread() -> Iterator[None]:
    """Streamlit parses st.secrets once per process: a test that ran with a secrets.toml (OIDC)
    would otherwise leave every later test in the worker at a login button."""
    yield
    st.secrets._reset()
