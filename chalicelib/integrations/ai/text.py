"""Extractive text analysis for the offline model: plain text from markdown, sentences that keep their boundaries,
keywords and key phrases weighted over a set of sources. Pure functions, deterministic."""

from __future__ import annotations

import hashlib
import math
import re
from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass

from chalicelib.integrations.ai.types import Source

# Only words of 4+ letters can be keywords, so only those are listed.
_STOPWORD_TEXT = """
able about above after again against also because been before being below between both could does doing down
during each even every first from further gets have having here hers however into itself just like lots made
make keep many might more most much must need needs often once only onto other ours over really same second shall
should some such than that their them then there these they thing things this those through under until upon
used uses using very ways well were what when where which while whom will with within without would your yours
"""
STOPWORDS = frozenset(_STOPWORD_TEXT.split())
WORD = re.compile(r"[A-Za-z][A-Za-z'’-]*[A-Za-z]|[A-Za-z]")


def plain(markdown: str) -> str:
    """Markdown without code blocks, images, link targets, emphasis, heading and list markers."""
    text = re.sub(r"```.*?```", " ", markdown, flags=re.S)
    text = re.sub(r"!\[[^\]]*\]\([^)]*\)", " ", text)
    text = re.sub(r"\[([^\]]*)\]\([^)]*\)", r"\1", text)
    text = re.sub(r"[*_`>#|]+", " ", text)
    return re.sub(r"^\s*(?:[-+•]|\d+[.)])\s+", "", text, flags=re.M)


STRUCTURE = re.compile(r"\s*(?:[-+*•]\s|\d+[.)]\s|#|>|\|)")


def _paragraph_units(markdown: str) -> list[str]:
    """A paragraph's wrapped lines joined into one (a line break inside a sentence is no boundary); headings,
    list items, quotes, table rows and short unpunctuated lines each their own unit; code blocks dropped."""
    units, current = [], []
    for line in re.sub(r"```.*?```", "\n\n", markdown, flags=re.S).replace("\r\n", "\n").split("\n"):
        structural = bool(STRUCTURE.match(line))
        if structural or not line.strip():
            if current:
                units.append(" ".join(current))
            current = []
            if structural:
                units.append(line)
            continue
        if current and not _continues(current[-1], line.strip()):
            units.append(" ".join(current))
            current = []
        current.append(line.strip())
    if current:
        units.append(" ".join(current))
    return units


def _continues(previous: str, line: str) -> bool:
    """Wrapped prose: the previous line stops mid-sentence and is long, or the next one starts lower-case (a list
    of short lines without bullets — "Mixing", "Shaping" — stays a list)."""
    return previous[-1] not in ".!?:" and (line[0].islower() or len(previous) > 50)


def sentences(text: str, min_words: int = 4, max_words: int = 60) -> list[str]:
    """Sentences of the plain text (split at . ! ? and at paragraph, heading and list boundaries) with a sensible
    length."""
    found = []
    for line in (plain(unit) for unit in _paragraph_units(text)):
        for part in re.split(r"(?<=[.!?])\s+", line.strip()):
            part = " ".join(part.split())
            if min_words <= len(WORD.findall(part)) <= max_words:
                found.append(part)
    return found


def keywords_of(text: str) -> list[str]:
    return [w for w in (m.lower().strip("'’-") for m in WORD.findall(text)) if len(w) >= 4 and w not in STOPWORDS]


def phrases_of(text: str, max_words: int = 3) -> list[str]:
    """Runs of up to `max_words` consecutive keywords within a clause, in order ("unit tests", "fixtures")."""
    found = []
    for clause in re.split(r"[.!?,;:()\n]+", plain(text)):
        run: list[str] = []
        for word in [m.strip("'’-") for m in WORD.findall(clause)] + [""]:
            if len(word) >= 4 and word.lower() not in STOPWORDS:
                run.append(word)
                continue
            if run:
                found.append(" ".join(run[:max_words]))
            run = []
    return found


@dataclass
class Analysis:
    """Keyword weights over all the material, and every sentence ranked by its score."""

    weights: Counter[str]
    ranked: list[tuple[float, int, str, str]]  # (score, order, sentence, source title), best first

    @classmethod
    def of(cls, sources: Iterable[Source], min_words: int = 4) -> Analysis:
        sources = list(sources)
        weights = Counter(word for source in sources for word in keywords_of(plain(source.text)))
        ranked, order = [], 0
        for source in sources:
            for index, sentence in enumerate(sentences(source.text, min_words=min_words)):
                words = WORD.findall(sentence)
                score = sum(weights[w] for w in set(keywords_of(sentence))) / math.sqrt(len(words))
                ranked.append((score + (0.5 if index < 2 else 0.0), order, sentence, source.title))
                order += 1
        ranked.sort(key=lambda item: (-item[0], item[1]))
        return cls(weights, ranked)

    def top(self, n: int, in_order: bool = False) -> list[tuple[str, str]]:
        chosen = self.ranked[:n]
        if in_order:
            chosen = sorted(chosen, key=lambda item: item[1])
        return [(sentence, title) for _, _, sentence, title in chosen]

    def keywords(self, exclude: Iterable[str] = ()) -> list[str]:
        skip = {w.lower() for w in exclude}
        return [w for w, _ in sorted(self.weights.items(), key=lambda kv: (-kv[1], kv[0])) if w not in skip]

    def heaviest(self, text: str) -> str | None:
        candidates = keywords_of(text)
        return max(candidates, key=lambda w: (self.weights[w], len(w)), default=None)


def stable_number(text: str) -> int:
    return int(hashlib.sha256(text.encode()).hexdigest()[:8], 16)


def heading_of(text: str, max_words: int = 8) -> str:
    """A heading from a sentence: its first clause, at most `max_words` words, no final punctuation."""
    clause = re.split(r"[,;:()—–]| - ", text, maxsplit=1)[0]
    words = clause.split()[:max_words]
    heading = " ".join(words).rstrip(".!?") or text[:60]
    return heading[0].upper() + heading[1:]


def clip(text: str, limit: int) -> str:
    if len(text) <= limit:
        return text
    return text[: limit - 1].rsplit(" ", 1)[0] + "…"
