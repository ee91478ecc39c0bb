"""An offline, extractive stand-in for Bedrock (the local runtime and tests): every answer is derived from the
material in the request, never canned, and labelled `offline-extractive-v1` wherever the model is shown.

How it derives answers (deterministic: the same material gives the same answer):
- words: lower-cased letters; stop words and words under 4 letters are not keywords;
- keyword weight: how often the keyword occurs in all the material;
- sentence score: the summed weight of its distinct keywords over √(its length in words), plus a small bonus for
  a source's first sentences (authors tend to lead with the point);
- outline: one module per key sentence of the description (its first clause as the title), lessons from the key
  phrases (runs of non-stop words) of that sentence, then of the whole material;
- enhance: the lesson's own markdown tidied (one bullet style, long paragraphs split, a heading if there is none)
  under an "In short" line quoting its key sentence; key takeaways are its top sentences;
- quiz: cloze questions from the top sentences of the lessons (the blank is the sentence's heaviest keyword, the
  other options the material's next keywords), and true/false questions built from real sentences (false ones
  swap the keyword for another from the material);
- description: a tagline from the key sentence, the lead sentences, then the course outline or key phrases.
Tokens are counted as ⌈characters / 4⌉ for the input (system + prompt) and for the answer. An answer longer than
`max_tokens` is cut there, exactly as a real model stops, and then fails validation upstream.
"""

from __future__ import annotations

import hashlib
import json
import math
import re
from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from chalicelib.integrations.ai.types import AiRequest, Completion, Source

MODEL = "offline-extractive-v1"
CHARS_PER_TOKEN = 4
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


def count_tokens(text: str) -> int:
    return math.ceil(len(text) / CHARS_PER_TOKEN)


# --- text analysis ---------------------------------------------------------------------------------


def plain(markdown: str) -> str:
    """Markdown without code blocks, images, link targets, emphasis, heading and list markers."""
    text = re.sub(r"```.*?```", " ", markdown, flags=re.S)
    text = re.sub(r"!\[[^\]]*\]\([^)]*\)", " ", text)
    text = re.sub(r"\[([^\]]*)\]\([^)]*\)", r"\1", text)
    text = re.sub(r"[*_`>#|]+", " ", text)
    return re.sub(r"^\s*(?:[-+•]|\d+[.)])\s+", "", text, flags=re.M)


def sentences(text: str, min_words: int = 4, max_words: int = 60) -> list[str]:
    """Sentences (or lines) of the plain text with a sensible length."""
    found = []
    for line in plain(text).splitlines():
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
    def of(cls, sources: Iterable[Source]) -> Analysis:
        sources = list(sources)
        weights = Counter(word for source in sources for word in keywords_of(plain(source.text)))
        ranked, order = [], 0
        for source in sources:
            for index, sentence in enumerate(sentences(source.text)):
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


def _stable(text: str) -> int:
    return int(hashlib.sha256(text.encode()).hexdigest()[:8], 16)


def _title(text: str, max_words: int = 8) -> str:
    """A heading from a sentence: its first clause, at most `max_words` words, no final punctuation."""
    clause = re.split(r"[,;:()—–]| - ", text, maxsplit=1)[0]
    words = clause.split()[:max_words]
    heading = " ".join(words).rstrip(".!?") or text[:60]
    return heading[0].upper() + heading[1:]


def _clip(text: str, limit: int) -> str:
    if len(text) <= limit:
        return text
    return text[: limit - 1].rsplit(" ", 1)[0] + "…"


# --- tasks -----------------------------------------------------------------------------------------


def outline(request: AiRequest) -> dict[str, Any]:
    params = request.params
    module_count, lesson_count = int(params.get("modules", 4)), int(params.get("lessons_per_module", 3))
    analysis = Analysis.of(request.sources)
    key_sentences = analysis.top(module_count, in_order=True)
    phrases_all = _unique(phrase for source in request.sources for phrase in phrases_of(source.text))
    used: set[str] = set()
    modules = []
    for index in range(module_count):
        if index < len(key_sentences):
            sentence = key_sentences[index][0]
            title, summary, local = _title(sentence), sentence, phrases_of(sentence)
        else:
            spare = [p for p in phrases_all if p.lower() not in used] or phrases_all or [str(params.get("topic"))]
            phrase = spare[index % len(spare)]
            title, summary, local = phrase[0].upper() + phrase[1:], _sentence_with(analysis, phrase) or phrase, []
        candidates = _unique([*local, *phrases_all])
        fresh = [p for p in candidates if p.lower() not in used]
        picked = (fresh + [p for p in candidates if p not in fresh])[:lesson_count]
        used.update(p.lower() for p in picked)
        lessons = [{"title": _clip(p[0].upper() + p[1:], 200),
                    "summary": _clip(_sentence_with(analysis, p) or summary, 1000)} for p in picked]
        lessons = lessons or [{"title": _clip(title, 200), "summary": _clip(summary, 1000)}]
        modules.append({"title": _clip(title, 200), "summary": _clip(summary, 2000), "lessons": lessons})
    return {"modules": modules}


def _unique(items: Iterable[str]) -> list[str]:
    seen, result = set(), []
    for item in items:
        if item and item.lower() not in seen:
            seen.add(item.lower())
            result.append(item)
    return result


def _sentence_with(analysis: Analysis, phrase: str) -> str | None:
    needle = phrase.lower()
    return next((sentence for _, _, sentence, _ in sorted(analysis.ranked, key=lambda item: item[1])
                 if needle in sentence.lower()), None)


def enhance(request: AiRequest) -> dict[str, Any]:
    source = request.sources[0]
    analysis = Analysis.of(request.sources)
    takeaways = [_clip(sentence, 500) for sentence, _ in analysis.top(5, in_order=True)]
    lead = analysis.top(1) if len(analysis.ranked) >= 3 else []
    return {"content": tidy_markdown(source.text, source.title, lead),
            "key_takeaways": takeaways}


def tidy_markdown(markdown: str, title: str, lead: list[tuple[str, str]]) -> str:
    """One bullet style, no runs of blank lines, prose in paragraphs of at most three sentences, a heading if there
    is none, and the key sentence up front. Code, lists, quotes and tables are kept as they are."""
    paragraphs = []
    for block in _blocks(markdown):
        if any(NOT_PROSE.match(line) for line in block):
            paragraphs.append("\n".join(block))
            continue
        parts = re.split(r"(?<=[.!?])\s+", " ".join(line.strip() for line in block))
        paragraphs += [" ".join(parts[i:i + 3]) for i in range(0, len(parts), 3)]
    if not any(p.startswith("#") for p in paragraphs):
        paragraphs.insert(0, f"## {title}")
    if lead:
        paragraphs.insert(1 if paragraphs[0].startswith("#") else 0, f"> **In short:** {lead[0][0]}")
    return "\n\n".join(paragraphs) + "\n"


NOT_PROSE = re.compile(r"\s*(?:[-#>|]|\d+[.)]\s|```)|    ")


def _blocks(markdown: str) -> list[list[str]]:
    """Blank-line separated blocks; a fenced code block stays whole (blank lines included), bullets become `-`."""
    blocks: list[list[str]] = []
    current: list[str] = []
    in_code = False
    for line in markdown.replace("\r\n", "\n").split("\n"):
        fence = line.strip().startswith("```")
        if not in_code and not fence and not line.strip():
            if current:
                blocks.append(current)
            current = []
            continue
        current.append(line.rstrip() if in_code or fence else re.sub(r"^(\s*)[*+•]\s+", r"\1- ", line.rstrip()))
        in_code = in_code != fence
    if current:
        blocks.append(current)
    return blocks


def quiz(request: AiRequest) -> dict[str, Any]:
    wanted = int(request.params.get("questions", 5))
    analysis = Analysis.of(request.sources)
    questions, seen = [], set()
    for sentence, title in analysis.top(len(analysis.ranked)):
        if sentence.lower() in seen:
            continue
        seen.add(sentence.lower())
        answer = analysis.heaviest(sentence)
        if answer is None or not re.search(rf"\b{re.escape(answer)}\b", sentence, flags=re.I):
            continue
        others = [w for w in analysis.keywords(exclude=keywords_of(sentence))][:3]
        flavour = _stable(sentence)
        if others and len(questions) % 3 != 2:
            questions.append(_cloze(sentence, answer, others, title, flavour))
        else:
            questions.append(_true_false(sentence, answer, others, title, flavour))
        if len(questions) == wanted:
            break
    return {"title": _clip(f"Quiz: {request.params.get('module_title', 'module')}", 200), "questions": questions}


def _blank(sentence: str, word: str, replacement: str) -> str:
    return re.sub(rf"\b{re.escape(word)}\b", replacement, sentence, count=1, flags=re.I)


def _cloze(sentence: str, answer: str, others: list[str], title: str, flavour: int) -> dict[str, Any]:
    options = [answer, *others]
    shift = flavour % len(options)
    options = options[shift:] + options[:shift]
    prompt = _clip(f"Fill in the blank: {_blank(sentence, answer, '_____')}", 2000)
    return {"question_type": "multiple_choice", "prompt": prompt,
            "options": options, "correct": [options.index(answer)],
            "explanation": _clip(f"From “{title}”: {sentence}", 2000)}


def _true_false(sentence: str, answer: str, others: list[str], title: str, flavour: int) -> dict[str, Any]:
    false = bool(others) and flavour % 2 == 1
    statement = _blank(sentence, answer, others[0]) if false else sentence
    statement = statement[0].upper() + statement[1:]
    return {"question_type": "true_false", "prompt": _clip(f"True or false: {statement}", 2000),
            "options": ["True", "False"], "correct": [1 if false else 0],
            "explanation": _clip(f"From “{title}”: {sentence}", 2000)}


def description(request: AiRequest) -> dict[str, Any]:
    params = request.params
    analysis = Analysis.of(request.sources)
    lead = [sentence for sentence, _ in analysis.top(2, in_order=True)]
    title = str(params.get("title", ""))
    keywords = analysis.keywords()[:3]
    tagline = _clip(lead[0], 140) if lead else _clip(f"{title}: {', '.join(keywords)}", 140)
    parts = [" ".join(lead) if lead else title]
    outline_items = list(params.get("outline", []))
    if outline_items:
        parts.append("**What's inside**\n\n" + "\n".join(f"- {item}" for item in outline_items[:10]))
    else:
        phrases = _unique(p for source in request.sources for p in phrases_of(source.text))[:6]
        if phrases:
            parts.append("**Covers**\n\n" + "\n".join(f"- {p}" for p in phrases))
    outcomes = list(params.get("learning_outcomes", []))
    if outcomes:
        parts.append("**You will**\n\n" + "\n".join(f"- {o}" for o in outcomes[:10]))
    return {"tagline": tagline, "description": _clip("\n\n".join(parts), 5000)}


TASK_ANSWERS = {"outline": outline, "enhance": enhance, "quiz": quiz, "description": description}


class OfflineModel:
    def model_for(self, tier: str) -> str:
        return MODEL

    def generate(self, request: AiRequest, *, model: str, max_tokens: int) -> Completion:
        text = json.dumps(TASK_ANSWERS[request.task](request), ensure_ascii=False)
        text = text[: max_tokens * CHARS_PER_TOKEN]  # a real model stops at max_tokens too
        return Completion(text=text, input_tokens=count_tokens(request.system + request.prompt),
                          output_tokens=count_tokens(text), model=MODEL)
