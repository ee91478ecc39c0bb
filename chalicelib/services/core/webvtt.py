"""WebVTT, read strictly (pure): the caption files creators attach to videos. The video domain validates uploads
with it (a file it refuses is answered 422 with the line), search reads the cues it indexes. A format shared by two
domains, hence here.

What is accepted (W3C WebVTT, the file syntax): a `WEBVTT` signature line (optionally followed by a space or tab
and text) and header lines up to the first blank line; then blocks separated by blank lines: `NOTE` comments,
`STYLE` and `REGION` blocks (before the first cue only), and cues — an optional identifier line, a timing line
`[hh:]mm:ss.ttt --> [hh:]mm:ss.ttt [settings]` whose end is after its start, and payload lines. Cues must be in
start-time order. Anything else (a stray line, a bad timestamp, a timing line missing, text that is not UTF-8, NUL)
is refused with its line number.
"""

from __future__ import annotations

import html
import re
from dataclasses import dataclass

MAX_CUES = 20_000
_TIMESTAMP = r"(?:(\d{2,}):)?([0-5]\d):([0-5]\d)\.(\d{3})"
_TIMING = re.compile(rf"^{_TIMESTAMP}[ \t]+-->[ \t]+{_TIMESTAMP}(?:[ \t]+(.*))?$")
_SIGNATURE = re.compile(r"^WEBVTT(?:[ \t].*)?$")
_TAG = re.compile(r"<[^>]*>")


class InvalidWebVTT(ValueError):
    def __init__(self, line: int, problem: str) -> None:
        super().__init__(f"line {line}: {problem}")
        self.line, self.problem = line, problem


@dataclass(frozen=True)
class Cue:
    start_ms: int
    end_ms: int
    text: str  # the payload as plain text: tags (<v Speaker>, <i>, timestamps) dropped, entities decoded


def _ms(hours: str | None, minutes: str, seconds: str, millis: str) -> int:
    return ((int(hours or 0) * 60 + int(minutes)) * 60 + int(seconds)) * 1000 + int(millis)


def plain_text(payload: str) -> str:
    """A cue payload as words: markup dropped, `&amp;`-style entities decoded, whitespace folded."""
    return " ".join(html.unescape(_TAG.sub("", payload)).split())


def parse(data: bytes | str) -> list[Cue]:
    """The cues of a WebVTT file, or `InvalidWebVTT` naming the first line that is wrong."""
    if isinstance(data, bytes):
        try:
            data = data.decode("utf-8")
        except UnicodeDecodeError as exc:
            raise InvalidWebVTT(data[:exc.start].count(b"\n") + 1, "the file is not UTF-8 text") from None
    if "\x00" in data:
        raise InvalidWebVTT(data[:data.index("\x00")].count("\n") + 1, "the file contains a NUL character")
    lines = data.removeprefix("\ufeff").replace("\r\n", "\n").replace("\r", "\n").split("\n")
    if not _SIGNATURE.match(lines[0]):
        raise InvalidWebVTT(1, "a WebVTT file starts with the line WEBVTT")
    index = 1
    while index < len(lines) and lines[index].strip():  # header lines
        if "-->" in lines[index]:
            raise InvalidWebVTT(index + 1, "a blank line must separate the WEBVTT header from the first cue")
        index += 1
    cues: list[Cue] = []
    while index < len(lines):
        if not lines[index].strip():
            index += 1
            continue
        start = index
        while index < len(lines) and lines[index].strip():
            index += 1
        cue = _block(lines[start:index], start + 1, bool(cues))
        if cue is None:
            continue
        if cues and cue.start_ms < cues[-1].start_ms:
            raise InvalidWebVTT(start + 1, "cues must be in start-time order")
        cues.append(cue)
        if len(cues) > MAX_CUES:
            raise InvalidWebVTT(start + 1, f"at most {MAX_CUES} cues")
    return cues


def _block(block: list[str], line: int, after_cue: bool) -> Cue | None:
    """One block: None for a comment, style or region block, else its cue."""
    first = block[0]
    if first == "NOTE" or first.startswith(("NOTE ", "NOTE\t")):
        return None
    if first in ("STYLE", "REGION") or first.startswith(("STYLE ", "REGION ")):
        if after_cue:
            raise InvalidWebVTT(line, f"{first.split()[0]} blocks must come before the first cue")
        if any("-->" in text for text in block):
            raise InvalidWebVTT(line, f"a {first.split()[0]} block cannot hold cue timings")
        return None
    timing_at = 1 if "-->" not in first else 0
    if timing_at >= len(block) or "-->" not in block[timing_at]:
        raise InvalidWebVTT(line, "expected a cue timing line such as 00:00:01.000 --> 00:00:04.000")
    match = _TIMING.match(block[timing_at].strip())
    if match is None:
        raise InvalidWebVTT(line + timing_at, "malformed cue timing (mm:ss.ttt or hh:mm:ss.ttt, ' --> ' between)")
    start_ms, end_ms = _ms(*match.group(1, 2, 3, 4)), _ms(*match.group(5, 6, 7, 8))
    if end_ms <= start_ms:
        raise InvalidWebVTT(line + timing_at, "a cue must end after it starts")
    payload = block[timing_at + 1:]
    for offset, text in enumerate(payload, start=line + timing_at + 1):
        if "-->" in text:
            raise InvalidWebVTT(offset, "'-->' inside a cue's text (a blank line is missing before this cue?)")
    return Cue(start_ms, end_ms, plain_text("\n".join(payload)))
