"""The README's configuration table, generated from `Settings` so the two never disagree."""

from __future__ import annotations

import json

from beaconlake.settings import Settings

BEGIN, END = "<!-- settings-table:begin -->", "<!-- settings-table:end -->"


def _default(value: object) -> str:
    if value is None:
        return "unset"
    if isinstance(value, list | dict):
        return f"`{json.dumps(value)}`"
    return f"`{value}`"


def settings_table() -> str:
    """A Markdown table: every `BEACONLAKE_*` variable, its default and what it does."""
    rows = ["| variable | default | what it does |", "|---|---|---|"]
    for name, field in Settings.model_fields.items():
        var = f"`BEACONLAKE_{name.upper()}`"
        rows.append(f"| {var} | {_default(field.default)} | {field.description or ''} |")
    return "\n".join(rows)


def render_into(text: str) -> str:
    """Replace the block between the markers in `text` with a fresh table."""
    head, _, rest = text.partition(BEGIN)
    _, _, tail = rest.partition(END)
    return f"{head}{BEGIN}\n{settings_table()}\n{END}{tail}"


if __name__ == "__main__":
    import pathlib

    readme = pathlib.Path("README.md")
    readme.write_text(render_into(readme.read_text()))
