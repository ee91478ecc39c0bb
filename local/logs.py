"""The local runtime's output is JSON lines (and the runner's banner), in the runner and in the API process alike.

`configure` sends every `logging` record as one JSON object to stderr: WARNING and above from libraries (botocore's
"Found credentials in environment variables", PynamoDB's settings notice and the like are INFO and stay quiet), INFO
and above from our own `local.*` loggers; Python warnings become records too. The app's own lines (Powertools
Logger: one per request and per handler event; the EMF metric lines) are JSON already and go to stdout.

A message longer than `MAX_MESSAGE_CHARS` is cut in the console line (the emulator's Step Functions interpreter
logs whole execution states when a pipeline fails); with a `debug_file`, every record is written there in full.
"""

from __future__ import annotations

import json
import logging
import sys
import time
from pathlib import Path

MAX_MESSAGE_CHARS = 500


class JsonLines(logging.Formatter):
    """One JSON object per record: time, level, logger, message (cut at `max_chars`), the record's `fields`, and the
    exception's traceback when there is one."""

    def __init__(self, max_chars: int | None = MAX_MESSAGE_CHARS, debug_file: Path | None = None) -> None:
        super().__init__()
        self.max_chars, self.debug_file = max_chars, debug_file

    def format(self, record: logging.LogRecord) -> str:
        message = record.getMessage()
        line = {"time": time.strftime("%Y-%m-%dT%H:%M:%S", time.gmtime(record.created)), "level": record.levelname,
                "logger": record.name, "message": message, **getattr(record, "fields", {})}
        if self.max_chars is not None and len(message) > self.max_chars:
            line["message"] = message[:self.max_chars] + "…"
            line["truncated_chars"] = len(message) - self.max_chars
            if self.debug_file is not None:
                line["full_text"] = str(self.debug_file)
        if record.exc_info and self.max_chars is None:
            line["exception"] = self.formatException(record.exc_info)
        elif record.exc_info:
            line["exception"] = f"{record.exc_info[0].__name__}: {record.exc_info[1]}"[:self.max_chars]
        return json.dumps(line, default=str)


def configure(debug_file: Path | None = None) -> None:
    """JSON lines on stderr for every process of the runtime (before anything else configures logging: `chalice
    local` calls `logging.basicConfig`, which then leaves our handler in place)."""
    root = logging.getLogger()
    for handler in list(root.handlers):
        root.removeHandler(handler)
    console = logging.StreamHandler(sys.stderr)
    console.setFormatter(JsonLines(debug_file=debug_file))
    root.addHandler(console)
    if debug_file is not None:
        full = logging.FileHandler(debug_file, mode="w", encoding="utf-8")  # this run only
        full.setFormatter(JsonLines(max_chars=None))
        root.addHandler(full)
    root.setLevel(logging.WARNING)
    logging.getLogger("local").setLevel(logging.INFO)
    logging.captureWarnings(True)
