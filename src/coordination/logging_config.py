"""Structured (JSON lines) logs with the request id.

Personal data never enters a log line: the access log writes the method, the path without its query string
(a search by NISS would otherwise leak the number), the status and the duration. A filter also masks any
11-digit sequence as a last line of defence.
"""

from __future__ import annotations

import json
import logging
import re
import sys
from datetime import UTC, datetime

_NISS_LIKE = re.compile(r"(?<!\d)(\d{2}[.\- ]?\d{2}[.\- ]?\d{2}[.\- ]?\d{3}[.\- ]?\d{2})(?!\d)")


def mask_niss(text: str) -> str:
    return _NISS_LIKE.sub("[NISS masqué]", text)


def looks_like_niss(text: str) -> bool:
    return _NISS_LIKE.search(text) is not None


class JsonFormatter(logging.Formatter):
    _EXTRA = ("request_id", "method", "path", "status", "duration_ms", "user_id", "event")
    #: Written as they are: the request id is what an operator searches for (the middleware never accepts
    #: one that looks like a NISS, and generated ones are UUIDv7), so masking digits in it would break it.
    _UNMASKED = frozenset({"request_id"})

    def format(self, record: logging.LogRecord) -> str:
        payload = {
            "time": datetime.fromtimestamp(record.created, UTC).isoformat(),
            "level": record.levelname,
            "logger": record.name,
            "message": mask_niss(record.getMessage()),
        }
        for key in self._EXTRA:
            value = getattr(record, key, None)
            if value is not None:
                masked = isinstance(value, str) and key not in self._UNMASKED
                payload[key] = mask_niss(value) if masked else value
        if record.exc_info:
            payload["exception"] = mask_niss(self.formatException(record.exc_info))
        return json.dumps(payload, ensure_ascii=False)


def configure_logging(level: str = "INFO") -> None:
    handler = logging.StreamHandler(sys.stderr)
    handler.setFormatter(JsonFormatter())
    root = logging.getLogger()
    root.handlers[:] = [handler]
    root.setLevel(level.upper())
    logging.getLogger("uvicorn.access").disabled = True  # our own access log replaces it
    # Drivers log SQL parameters (names, NISS) at DEBUG and httpx logs full URLs at INFO: never in our logs.
    for chatty in ("weasyprint", "fontTools", "weasyprint.progress", "aiosqlite", "asyncpg", "httpx"):
        logging.getLogger(chatty).setLevel(logging.WARNING)
