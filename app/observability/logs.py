"""Log lines as JSON objects (``log_format = "json"``), each with the ids of ``app.observability.context``.

``configure_logging(settings)`` sets the root logger's single handler; ``jaxtutor serve`` calls it before it
starts uvicorn (whose own loggers then propagate to it). It is a function, not an import side effect, so
tests and the CLI's other commands keep their own logging.
"""

from __future__ import annotations

import json
import logging
import sys
import time
from typing import Any

from app.config import Settings
from app.observability import context

_STD_ATTRS = frozenset(vars(logging.makeLogRecord({})).keys()) | {"message", "asctime"}


class JsonFormatter(logging.Formatter):
    """One JSON object per line: ts, level, logger, message, the context ids, extra fields, exception."""

    def format(self, record: logging.LogRecord) -> str:
        doc: dict[str, Any] = {
            "ts": time.strftime("%Y-%m-%dT%H:%M:%S", time.gmtime(record.created)) + f".{int(record.msecs):03d}Z",
            "level": record.levelname,
            "logger": record.name,
            "message": record.getMessage(),
        }
        ctx = context.current.get()
        if ctx is not None:
            for key in ("request_id", "learner_id", "submission_id"):
                value = getattr(ctx, key)
                if value is not None:
                    doc[key] = value
        for key, value in vars(record).items():
            if key not in _STD_ATTRS and not key.startswith("_") and key not in doc:
                doc[key] = value if isinstance(value, str | int | float | bool | None) else repr(value)
        if record.exc_info:
            doc["exception"] = self.formatException(record.exc_info)
        return json.dumps(doc, ensure_ascii=False)


class TextFormatter(logging.Formatter):
    def __init__(self) -> None:
        super().__init__("%(asctime)s %(levelname)s %(name)s: %(message)s")

    def format(self, record: logging.LogRecord) -> str:
        line = super().format(record)
        ctx = context.current.get()
        if ctx is not None and ctx.request_id:
            line += f" [req={ctx.request_id}" + (f" learner={ctx.learner_id}" if ctx.learner_id else "") + "]"
        return line


def configure_logging(settings: Settings, stream: Any = None) -> logging.Handler:
    """Replace the root logger's handlers with one writing ``settings.log_format`` at ``settings.log_level``."""
    handler = logging.StreamHandler(stream or sys.stderr)
    handler.setFormatter(JsonFormatter() if settings.log_format == "json" else TextFormatter())
    root = logging.getLogger()
    for old in list(root.handlers):
        root.removeHandler(old)
    root.addHandler(handler)
    root.setLevel(settings.log_level)
    for name in ("uvicorn", "uvicorn.error", "uvicorn.access"):
        logger = logging.getLogger(name)
        logger.handlers.clear()
        logger.propagate = True
    logging.getLogger("uvicorn.access").disabled = True  # the middleware writes one access line per request
    return handler
