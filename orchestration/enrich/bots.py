"""Bot detection: crawler-user-agents' patterns compiled once into one regex, plus ua-parser's
`Spider` device family (checked by the caller, which has the parse at hand)."""

from __future__ import annotations

import json
import re
from functools import lru_cache
from importlib import resources


@lru_cache(maxsize=1)
def crawler_regex() -> re.Pattern[str]:
    """One alternation of every crawler-user-agents pattern (case-sensitive, as published)."""
    text = resources.files("crawleruseragents").joinpath("crawler-user-agents.json").read_text()
    return re.compile("|".join(f"(?:{entry['pattern']})" for entry in json.loads(text)))


def is_crawler(user_agent: str) -> bool:
    return bool(user_agent) and crawler_regex().search(user_agent) is not None
