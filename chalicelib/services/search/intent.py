"""Intent detection: what a query asks for besides its topic, read deterministically from its words (pure).

- Product type: the phrases in `TYPE_PHRASES` ("prompts", "template", "e-book", "pdf guide", "class", "tutorial"...;
  in "notion template" the word "notion" stays a search term). When a query names two types, the one named last
  wins (the head noun comes last in English: "prompt engineering course" is a course, "course planner template" a
  template); the other words stay in the text.
- Pricing: "free" → free ("sugar-free", "gluten free" are topics, not prices), "free preview"/"free trial"/
  "freemium" → freemium, "paid"/"premium" → paid.
- A price ceiling: "under $20", "less than 15 dollars", "below 10 usd", "$20 or less", "max 30 euros", "cheap"
  (= `CHEAP_CENTS`; "budget" is not one: budget spreadsheets are a topic). Amounts are whole or decimal units, in
  minor units (×100), with the currency the query names ($, €, £, dollars, euros...) or none; like explore's price
  sort, the ceiling compares minor units whatever each product's currency (a documented limitation).
The words that carried an intent are removed from the text query; explicit request parameters win over them.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from chalicelib.integrations.search import text

CHEAP_CENTS = 2000  # "cheap", "affordable": at most 20.00
# (phrase, type): longest phrases first, so "prompt pack" wins over "prompt".
TYPE_PHRASES: tuple[tuple[str, str], ...] = tuple(sorted((
    *((p, "prompt_pack") for p in ("prompt pack", "prompt packs", "prompts", "prompt", "prompt library",
                                   "prompt libraries", "prompt collection")),
    *((p, "template") for p in ("template", "templates", "starter kit")),
    *((p, "ebook") for p in ("ebook", "ebooks", "e book", "e books", "e-book", "e-books", "book", "books", "pdf",
                             "cookbook", "workbook",
                             "pdf guide", "pdf guides", "guidebook", "handbook", "epub")),
    *((p, "course") for p in ("course", "courses", "class", "classes", "tutorial", "tutorials", "masterclass",
                              "online course", "online courses", "bootcamp", "workshop", "lessons")),
    *((p, "bundle") for p in ("bundle", "bundles")),
), key=lambda pair: -len(pair[0])))
# Topics that contain a type word without asking for that type.
NOT_A_TYPE = ("prompt engineering", "prompt engineer", "book keeping", "bookkeeping", "class action")
FREE_AS_TOPIC = ("gluten", "sugar", "dairy", "stress", "hands", "risk", "royalty", "cruelty", "fat", "caffeine",
                 "debt", "tax", "duty", "hassle", "carefree")
FREEMIUM = ("free preview", "free previews", "free trial", "free lessons", "free lesson", "freemium", "try free")
PAID = ("paid", "premium")
CHEAP = ("cheap", "cheapest", "affordable", "inexpensive", "low cost", "low-cost")  # not "budget": a topic too
_AMOUNT = r"(?:[$€£]\s?)?(\d{1,6}(?:[.,]\d{1,2})?)\s?(?:[$€£]|dollars?|usd|eur|euros?|gbp|pounds?|bucks)?"
PRICE_PATTERNS = (
    re.compile(r"\b(?:under|below|less than|cheaper than|max(?:imum)?|up to|at most|no more than|within)\s+"
               + _AMOUNT + r"(?=\W|$)"),
    re.compile(r"(?:<=?|≤)\s*" + _AMOUNT + r"(?=\W|$)"),
    re.compile(r"(?<![\w.])" + r"((?:[$€£]\s?)\d{1,6}(?:[.,]\d{1,2})?|\d{1,6}(?:[.,]\d{1,2})?\s?"
               r"(?:dollars?|usd|eur|euros?|bucks))\s+or\s+(?:less|under|below|cheaper)\b"),
)
STOPWORDS = frozenset((
    "a", "an", "and", "are", "as", "at", "be", "by", "for", "from", "how", "i", "in", "into", "is", "it", "me", "my",
    "of", "on", "or", "the", "to", "want", "with", "what", "where", "which", "who", "about", "best", "good", "some",
    "any", "need", "looking", "find", "show", "give"))


CURRENCIES = (("USD", ("$", "dollar", "usd", "buck")), ("EUR", ("€", "eur")), ("GBP", ("£", "gbp", "pound")))


@dataclass(frozen=True)
class Intent:
    product_type: str | None
    pricing: str | None
    max_price_cents: int | None
    query: str  # the text left once the intent words are removed
    currency: str | None = None  # the ceiling's currency when the query names one ("$20": USD)

    @property
    def terms(self) -> tuple[str, ...]:
        """The words to match: the query's words without stopwords. A qualifier stays ("notion" of "notion
        template"): it is a topic the documents carry in their tags."""
        return tuple(word for word in text.words(self.query) if word not in STOPWORDS)


def _remove(haystack: str, start: int, end: int) -> str:
    return f"{haystack[:start]} {haystack[end:]}"


def _phrase(phrase: str) -> re.Pattern[str]:
    return re.compile(r"(?<![\w-])" + re.escape(phrase).replace(r"\ ", r"[\s-]+") + r"(?![\w-])")


def _cents(amount: str) -> int:
    digits = re.sub(r"[^\d.,]", "", amount).replace(",", ".")
    return round(float(digits) * 100)


def detect(query: str, known_types: tuple[str, ...]) -> Intent:
    """The intent of `query` among the product types the catalog knows (`known_types`)."""
    rest = " ".join(query.lower().split())
    max_price = currency = None
    for pattern in PRICE_PATTERNS:
        if found := pattern.search(rest):
            max_price = _cents(found.group(1))
            currency = next((iso for iso, marks in CURRENCIES if any(mark in found.group() for mark in marks)), None)
            rest = _remove(rest, *found.span())
            break
    pricing = None
    for phrases, bucket in ((FREEMIUM, "freemium"), (("free",), "free"), (PAID, "paid")):
        for phrase in phrases:
            for found in _phrase(phrase).finditer(rest):
                before = rest[:found.start()].split()[-1:] or [""]
                if bucket == "free" and before[0] in FREE_AS_TOPIC:
                    continue
                pricing = pricing or bucket
                rest = _remove(rest, *found.span())
                break
        if pricing:
            break
    if max_price is None:
        for phrase in CHEAP:
            if found := _phrase(phrase).search(rest):
                max_price = CHEAP_CENTS
                rest = _remove(rest, *found.span())
                break
    product_type, rest = _product_type(rest, known_types)
    return Intent(product_type, pricing, max_price, rest, currency)


def _product_type(rest: str, known_types: tuple[str, ...]) -> tuple[str | None, str]:
    """The type named last (and its phrase removed), and the text left."""
    masked = rest
    for topic in NOT_A_TYPE:
        masked = _phrase(topic).sub(lambda m: "#" * len(m.group()), masked)
    best: tuple[int, int, int, str] | None = None  # (end, length, start, type)
    for phrase, kind in TYPE_PHRASES:
        if kind not in known_types:
            continue
        for found in _phrase(phrase).finditer(masked):
            candidate = (found.end(), found.end() - found.start(), found.start(), kind)
            if best is None or candidate[:2] > best[:2]:
                best = candidate
    if best is None:
        return None, " ".join(rest.split())
    end, _, start, kind = best
    return kind, " ".join(_remove(rest, start, end).split())
