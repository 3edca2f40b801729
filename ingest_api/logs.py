"""JSON log lines on stderr: one per request, never an IP address or an API key."""

from __future__ import annotations

import datetime as dt
import logging
import sys

import orjson


class JsonFormatter(logging.Formatter):
    def format(self, record: logging.LogRecord) -> str:
        line = {
            "ts": dt.datetime.fromtimestamp(record.created, dt.UTC).isoformat(
                timespec="milliseconds"
            ),
            "level": record.levelname.lower(),
            "logger": record.name,
            "msg": record.getMessage(),
        }
        fields = getattr(record, "fields", None)
        if fields:
            line.update(fields)
        if record.exc_info:
            line["exc"] = self.formatException(record.exc_info)
        return orjson.dumps(line, default=str).decode()


def setup_logging(level: int = logging.INFO) -> None:
    """Route the collector's loggers (and uvicorn's) to JSON on stderr, once per process."""
    handler = logging.StreamHandler(sys.stderr)
    handler.setFormatter(JsonFormatter())
    for name in ("beaconlake", "uvicorn", "uvicorn.error"):
        lg = logging.getLogger(name)
        if not any(isinstance(h.formatter, JsonFormatter) for h in lg.handlers):
            lg.handlers = [handler]
        lg.setLevel(level)
        lg.propagate = False
    # uvicorn's access log would print client addresses: keep it off.
    logging.getLogger("uvicorn.access").disabled = True
