"""The funnel file (SPEC 4) as the dbt plugin loads it: rows per step, clear errors."""

from __future__ import annotations

from pathlib import Path

import pytest

from beaconlake.settings import get_settings
from dbt_project.plugins.funnels import FunnelError, glob_to_like, load_funnels, parse_window
from orchestration.dbt_build import PROJECT_DIR, funnels_path


def test_default_file_has_the_checkout_and_demo_shop_funnels() -> None:
    rows = load_funnels(PROJECT_DIR / "funnels.yml")
    assert [(r["funnel"], r["step"], r["event_name"], r["path_pattern"]) for r in rows] == [
        ("checkout", 1, "page_view", "/catalog"),
        ("checkout", 2, "page_view", "/product/%"),
        ("checkout", 3, "purchase", None),
        ("demo_shop_checkout", 1, "page_view", "/demo/catalog.html"),
        ("demo_shop_checkout", 2, "page_view", "/demo/product/%"),
        ("demo_shop_checkout", 3, "purchase", None),
    ]
    assert {r["funnel"]: r["window_s"] for r in rows} == {
        "checkout": 14 * 86400,
        "demo_shop_checkout": 86400,
    }


def test_windows_and_globs() -> None:
    assert [parse_window(w) for w in ("30s", "5m", "2h", "14d", 90)] == [30, 300, 7200, 1209600, 90]
    assert glob_to_like("/p/*/x?_%") == "/p/%/x_\\_\\%"


def test_window_defaults_to_14_days_and_names_default(tmp_path: Path) -> None:
    f = tmp_path / "f.yml"
    f.write_text(
        "funnels:\n  - name: signup\n    steps:\n      - {event: signup, name: Signed up}\n"
    )
    assert load_funnels(f) == [
        {
            "funnel": "signup",
            "step": 1,
            "step_name": "Signed up",
            "event_name": "signup",
            "path_pattern": None,
            "window_s": 1209600,
        }
    ]


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("funnels: {}", "top-level list"),
        ("funnels:\n  - steps: [{event: a}]", "needs a name"),
        ("funnels:\n  - {name: a, steps: []}", "non-empty list"),
        ("funnels:\n  - {name: a, window: 3w, steps: [{event: a}]}", "window"),
        ("funnels:\n  - {name: a, steps: [{path: /x}]}", "step 1: needs an 'event'"),
        (
            "funnels:\n  - {name: a, steps: [{event: a}]}\n  - {name: a, steps: [{event: b}]}",
            "twice",
        ),
        ("funnels: [", "not valid YAML"),
    ],
)
def test_bad_files_say_what_is_wrong(tmp_path: Path, text: str, message: str) -> None:
    f = tmp_path / "f.yml"
    f.write_text(text)
    with pytest.raises(FunnelError, match=message):
        load_funnels(f)


def test_missing_file(tmp_path: Path) -> None:
    with pytest.raises(FunnelError, match="does not exist"):
        load_funnels(tmp_path / "nope.yml")


def test_beaconlake_funnels_setting(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    f = tmp_path / "mine.yml"
    monkeypatch.setenv("BEACONLAKE_FUNNELS", str(f))
    get_settings.cache_clear()
    try:
        assert funnels_path() == f
    finally:
        monkeypatch.delenv("BEACONLAKE_FUNNELS")
        get_settings.cache_clear()
    assert funnels_path() == PROJECT_DIR / "funnels.yml"
