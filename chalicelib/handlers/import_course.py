"""Import a legacy course document from a file, through the same service as the owner endpoint.

    python -m chalicelib.handlers.import_course --product-id prd_... --creator-id USER FILE.json

It talks to whatever AWS the environment names (credentials, region, `AWS_ENDPOINT_URL`, and
`TABLE_PREFIX`/`STAGE` for the table names), so the same command migrates a laptop's emulator or a
deployed stage. Files may exceed the API's body limit (migrations carry big courses) but are still
capped. Exit codes: 0 imported or already imported (the result is printed as JSON), 1 refused (not
found, not a course, course not empty), 2 an unusable document (each problem printed with its path).
"""

from __future__ import annotations

import argparse
import json
import os
import sys
from pathlib import Path
from typing import Any

MAX_DOCUMENT_BYTES = 5 * 1024 * 1024
EXIT_REFUSED, EXIT_BAD_INPUT = 1, 2


class BadDocument(Exception):
    """The file cannot be imported as it stands; `problems` are (path, message) pairs."""

    def __init__(self, problems: list[tuple[str, str]]) -> None:
        super().__init__("; ".join(f"{path}: {msg}" for path, msg in problems))
        self.problems = problems


def _path(loc: list[Any]) -> str:
    """`["body", "course", "modules", 1, "title"]` → `course.modules[1].title` (the file is the body)."""
    parts = list(loc[1:] if loc[:1] == ["body"] else loc)
    text = ""
    for part in parts:
        text += f"[{part}]" if isinstance(part, int) else f".{part}"
    return text.lstrip(".") or "(document)"


def read_document(path: Path) -> Any:
    """The file's JSON (capped in size); the import service validates it with the endpoint's schema."""
    with path.open("rb") as handle:
        raw = handle.read(MAX_DOCUMENT_BYTES + 1)
    if len(raw) > MAX_DOCUMENT_BYTES:
        raise BadDocument([("(document)", f"larger than {MAX_DOCUMENT_BYTES} bytes")])
    try:
        data = json.loads(raw)
    except (ValueError, UnicodeDecodeError):
        raise BadDocument([("(document)", "not valid JSON")]) from None
    return data


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m chalicelib.handlers.import_course",
                                     description=__doc__.splitlines()[0])
    parser.add_argument("--product-id", required=True, help="the course product to fill (must be empty)")
    parser.add_argument("--creator-id", required=True, help="the product's owner (user id / Cognito sub)")
    parser.add_argument("file", type=Path, help="the legacy course document (JSON)")
    args = parser.parse_args(argv)

    try:
        data = read_document(args.file)
    except OSError as exc:
        print(f"cannot read {args.file}: {exc.strerror}", file=sys.stderr)
        return EXIT_BAD_INPUT
    except BadDocument as exc:
        _report(exc.problems)
        return EXIT_BAD_INPUT

    from chalicelib.config import get_settings
    from chalicelib.errors import DomainError, InvalidInput
    from chalicelib.services.courses.importer import import_course, validate_document

    try:
        document = validate_document(data)
    except InvalidInput as exc:
        _report(_problems(exc))
        return EXIT_BAD_INPUT
    settings = get_settings()
    endpoint = os.environ.get("AWS_ENDPOINT_URL") or "AWS"
    print(f"importing into tables {settings.table_prefix}-* in {settings.region} at {endpoint}", file=sys.stderr)
    try:
        result = import_course(args.creator_id, args.product_id, document)
    except DomainError as exc:
        if isinstance(exc, InvalidInput) and exc.details:  # a rule of the import, at its path
            _report(_problems(exc))
            return EXIT_BAD_INPUT
        print(f"refused ({exc.code}): {exc.message}", file=sys.stderr)
        return EXIT_REFUSED
    print(json.dumps(result, indent=2))
    return 0


def _problems(exc: Any) -> list[tuple[str, str]]:
    """An InvalidInput's details as (path in the file, message) pairs."""
    return [(_path(detail["loc"]), detail["msg"]) for detail in exc.details]


def _report(problems: list[tuple[str, str]]) -> None:
    for path, message in problems:
        print(f"{path}: {message}", file=sys.stderr)


if __name__ == "__main__":
    sys.exit(main())
