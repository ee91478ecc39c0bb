"""An offline, extractive stand-in for Bedrock (the local runtime and tests): every answer is derived from the
material in the request, never canned, and labelled `offline-extractive-v1` wherever the model is shown.

How it derives answers (deterministic: the same material gives the same answer):
- words: lower-cased letters; stop words and words under 4 letters are not keywords;
- keyword weight: how often the keyword occurs in all the material;
- sentence score: the summed weight of its distinct keywords over √(its length in words), plus a small bonus for
  a source's first sentences (authors tend to lead with the point);
- sentences: split at . ! ? and at paragraph, heading and list boundaries; a line break inside wrapped prose is
  not a boundary (a short unpunctuated line is: "Mixing" / "Shaping" stay apart);
- outline: the material's sentences (its topics) cut into consecutive runs, one module per run, so modules keep the
  source's order; a module's lessons are the key phrases of its own sentences (spread over them, in order), each
  summarized by its own clause or sentence — never the whole description; fewer sentences than modules: clauses;
- enhance: the lesson's own markdown tidied (one bullet style, long paragraphs split, a heading if there is none)
  under an "In short" line quoting its key sentence; key takeaways are its top sentences;
- quiz: one question per fact (`facts`: a distinct sentence of 3+ words with a keyword), the best facts first:
  cloze questions (the blank is the sentence's heaviest keyword, the other options the material's next keywords)
  and true/false questions built from real sentences (false ones swap the keyword for another from the material);
  so a quiz of up to `len(facts)` questions is always met (the AI tools refuse more with 422 before reserving);
- description: a tagline from the key sentence, the lead sentences (each closed with its punctuation), then the
  course outline or key phrases.
Tokens are counted as ⌈characters / 4⌉ for the input (system + prompt) and for the answer. An answer longer than
`max_tokens` is cut there, exactly as a real model stops, and then fails validation upstream.
The text analysis (sentences, keywords, phrases, `Analysis`) is in `text`; this module holds the four tasks.
"""

from __future__ import annotations

import json
import math
import re
from collections.abc import Iterable, Sequence
from typing import Any

from chalicelib.integrations.ai.text import (
    WORD,
    Analysis,
    clip,
    heading_of,
    keywords_of,
    phrases_of,
    sentences,
    stable_number,
)
from chalicelib.integrations.ai.types import AiRequest, Completion, Source

MODEL = "offline-extractive-v1"
CHARS_PER_TOKEN = 4
def count_tokens(text: str) -> int:
    return math.ceil(len(text) / CHARS_PER_TOKEN)



# --- tasks -----------------------------------------------------------------------------------------


def outline(request: AiRequest) -> dict[str, Any]:
    """Modules are consecutive runs of the material's sentences (so they keep the order of its topics); a module's
    lessons are the key phrases of its own sentences, each summarized by the clause or sentence it comes from."""
    params = request.params
    module_count, lesson_count = int(params.get("modules", 4)), int(params.get("lessons_per_module", 3))
    material = [s for s in request.sources if s.title not in ("topic", "audience")] or list(request.sources[:1])
    units = [u for source in material for u in sentences(source.text, min_words=1, max_words=10_000)]
    if len(units) < module_count:  # too few sentences: their clauses carry the topics
        units = [c for u in units for c in _clauses(u)] or units
    used: set[str] = set()
    modules = []
    for group in _runs(units, module_count):
        lessons = _lessons_of(group, lesson_count, used)
        modules.append({"title": clip(_module_title(group[0]), 200),
                        "summary": clip(" ".join(_closed(u) for u in group), 2000), "lessons": lessons})
    phrases_all = _unique(phrase for source in request.sources for phrase in phrases_of(source.text))
    analysis = Analysis.of(request.sources)
    for index in range(len(modules), module_count):  # less material than modules asked: its remaining phrases
        spare = [p for p in phrases_all if p.lower() not in used] or phrases_all or [str(params.get("topic"))]
        phrase = spare[index % len(spare)]
        used.add(phrase.lower())
        summary = _sentence_with(analysis, phrase) or phrase
        modules.append({"title": clip(_capital(phrase), 200), "summary": clip(summary, 2000),
                        "lessons": [{"title": clip(_capital(phrase), 200), "summary": clip(summary, 1000)}]})
    return {"modules": modules}


def _runs(units: list[str], count: int) -> list[list[str]]:
    """`units` cut into at most `count` consecutive runs of near-equal length (the earlier runs one longer)."""
    count = min(count, len(units))
    size, extra = divmod(len(units), count) if count else (0, 0)
    runs, start = [], 0
    for index in range(count):
        end = start + size + (1 if index < extra else 0)
        runs.append(units[start:end])
        start = end
    return runs


def _clauses(sentence: str) -> list[str]:
    return [c.strip(" ,;:") for c in re.split(r"[,;:]\s+|\s+[—–-]\s+", sentence) if WORD.search(c)]


def _lessons_of(group: list[str], count: int, used: set[str]) -> list[dict[str, str]]:
    """Up to `count` lessons from the key phrases of the module's own sentences, spread over them (each sentence's
    first phrase, then second, …), in the sentences' order; single keywords when phrases run out."""
    per_unit = [[(p, u) for p in _unique(phrases_of(u))] for u in group]
    per_unit = [[(w, u) for w in _unique(keywords_of(u))] for u in group] if not any(per_unit) else per_unit
    picked: list[tuple[int, int, str, str]] = []
    for rank in range(max(map(len, per_unit), default=0)):
        for index, candidates in enumerate(per_unit):
            if rank < len(candidates) and len(picked) < count and candidates[rank][0].lower() not in used:
                used.add(candidates[rank][0].lower())
                picked.append((index, rank, *candidates[rank]))
    picked.sort()
    return [{"title": clip(_capital(phrase), 200), "summary": clip(_own_text(unit, phrase), 1000)}
            for _, _, phrase, unit in picked] or [{"title": clip(_module_title(group[0]), 200),
                                                   "summary": clip(_closed(group[0]), 1000)}]


def _own_text(sentence: str, phrase: str, min_words: int = 6) -> str:
    """What the material says about `phrase`: in a long sentence, the clause holding it, widened by its neighbours
    until it says something (≥ `min_words` words); else the whole sentence."""
    if len(sentence.split()) <= 12:
        return _closed(sentence)
    cuts = [0, *(m.end() for m in re.finditer(r"[,;:]\s+|\s+[—–]\s+", sentence)), len(sentence)]
    spans = list(zip(cuts, cuts[1:], strict=False))
    at = next((i for i, (a, b) in enumerate(spans) if phrase.lower() in sentence[a:b].lower()), None)
    if at is None:
        return _closed(sentence)
    first = last = at
    while len(sentence[spans[first][0]:spans[last][1]].split()) < min_words and (first, last) != (0, len(spans) - 1):
        last, first = (last + 1, first) if last + 1 < len(spans) else (last, first - 1)
    return _closed(_capital(sentence[spans[first][0]:spans[last][1]].strip().rstrip(",;:—–").strip()))


def _module_title(sentence: str) -> str:
    """A sentence's first clause when it is short ("Mixing: …" → "Mixing"), else its first key phrase."""
    clause = re.split(r"[,;:()—–]| - ", sentence, maxsplit=1)[0]
    if len(clause.split()) <= 6:
        return heading_of(sentence)
    return _capital(next(iter(phrases_of(sentence)), "") or heading_of(sentence))


def _capital(text: str) -> str:
    return text[:1].upper() + text[1:]


def _closed(sentence: str) -> str:
    """A sentence that ends like one, so sentences put side by side keep their boundaries."""
    sentence = sentence.rstrip()
    return sentence if not sentence or sentence[-1] in ".!?…:" else sentence.rstrip(",;") + "."


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
    takeaways = [clip(sentence, 500) for sentence, _ in analysis.top(5, in_order=True)]
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


QUIZ_MIN_WORDS = 3


def facts(sources: Iterable[Source]) -> list[tuple[str, str]]:
    """The distinct sentences a question can be built from (3+ words with a keyword to ask about), with their
    source's title. Every one yields a question, so a quiz of `len(facts)` questions can always be written."""
    seen, found = set(), []
    for source in sources:
        for sentence in sentences(source.text, min_words=QUIZ_MIN_WORDS):
            if sentence.lower() not in seen and _askable(sentence):
                seen.add(sentence.lower())
                found.append((sentence, source.title))
    return found


def _askable(sentence: str) -> list[str]:
    """The sentence's keywords that can be blanked (they occur in it as whole words)."""
    return [w for w in _unique(keywords_of(sentence))
            if re.search(rf"\b{re.escape(w)}\b", sentence, flags=re.I)]


def quiz(request: AiRequest) -> dict[str, Any]:
    """One question per fact, the best facts first; further questions blank a fact's next keywords."""
    wanted = int(request.params.get("questions", 5))
    analysis = Analysis.of(request.sources, min_words=QUIZ_MIN_WORDS)
    usable = {sentence.lower(): title for sentence, title in facts(request.sources)}
    ranked = _unique(sentence for sentence, _ in analysis.top(len(analysis.ranked)) if sentence.lower() in usable)
    questions, prompts = [], set()
    for rank in range(max((len(_askable(s)) for s in ranked), default=0)):
        for sentence in ranked:
            answers = sorted(_askable(sentence), key=lambda w: (-analysis.weights[w], -len(w), w))
            if rank >= len(answers) or len(questions) == wanted:
                continue
            answer, title = answers[rank], usable[sentence.lower()]
            others = analysis.keywords(exclude=keywords_of(sentence))[:3]
            flavour = stable_number(f"{sentence}#{rank}")
            if len(others) >= 2 and len(questions) % 3 != 2:
                question = _cloze(sentence, answer, others, title, flavour)
            else:
                question = _true_false(sentence, answer, others, title, flavour)
            if question["prompt"] not in prompts:
                prompts.add(question["prompt"])
                questions.append(question)
    return {"title": clip(f"Quiz: {request.params.get('module_title', 'module')}", 200), "questions": questions}


def _blank(sentence: str, word: str, replacement: str) -> str:
    return re.sub(rf"\b{re.escape(word)}\b", replacement, sentence, count=1, flags=re.I)


def _cloze(sentence: str, answer: str, others: list[str], title: str, flavour: int) -> dict[str, Any]:
    options = [answer, *others]
    shift = flavour % len(options)
    options = options[shift:] + options[:shift]
    prompt = clip(f"Fill in the blank: {_blank(sentence, answer, '_____')}", 2000)
    return {"question_type": "multiple_choice", "prompt": prompt,
            "options": options, "correct": [options.index(answer)],
            "explanation": clip(f"From “{title}”: {sentence}", 2000)}


def _true_false(sentence: str, answer: str, others: list[str], title: str, flavour: int) -> dict[str, Any]:
    false = bool(others) and flavour % 2 == 1
    statement = _blank(sentence, answer, others[0]) if false else sentence
    statement = statement[0].upper() + statement[1:]
    return {"question_type": "true_false", "prompt": clip(f"True or false: {statement}", 2000),
            "options": ["True", "False"], "correct": [1 if false else 0],
            "explanation": clip(f"From “{title}”: {sentence}", 2000)}


def description(request: AiRequest) -> dict[str, Any]:
    params = request.params
    analysis = Analysis.of(request.sources)
    lead = [sentence for sentence, _ in analysis.top(2, in_order=True)]
    title = str(params.get("title", ""))
    keywords = analysis.keywords()[:3]
    tagline = clip(lead[0], 140) if lead else clip(f"{title}: {', '.join(keywords)}", 140)
    parts = [" ".join(_closed(sentence) for sentence in lead) if lead else title]
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
    return {"tagline": tagline, "description": clip("\n\n".join(parts), 5000)}


TASK_ANSWERS = {"outline": outline, "enhance": enhance, "quiz": quiz, "description": description}


class OfflineModel:
    def model_for(self, tier: str) -> str:
        return MODEL

    def max_questions(self, sources: Sequence[Source]) -> int:
        """One question per fact: an extractive model cannot ask about what the lessons do not say."""
        return len(facts(sources))

    def generate(self, request: AiRequest, *, model: str, max_tokens: int) -> Completion:
        text = json.dumps(TASK_ANSWERS[request.task](request), ensure_ascii=False)
        text = text[: max_tokens * CHARS_PER_TOKEN]  # a real model stops at max_tokens too
        return Completion(text=text, input_tokens=count_tokens(request.system + request.prompt),
                          output_tokens=count_tokens(text), model=MODEL)
