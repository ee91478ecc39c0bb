"""Intent detection's documented rules, one case each (pure)."""

from __future__ import annotations

import pytest

from chalicelib.services.search.intent import detect

TYPES = ("course", "prompt_pack", "template", "ebook", "bundle")


@pytest.mark.parametrize("q, product_type, pricing, max_price_cents, rest", [
    ("free sourdough course", "course", "free", None, "sourdough"),
    ("prompts for marketers under $20", "prompt_pack", None, 2000, "for marketers"),
    ("less than 15 dollars sourdough", None, None, 1500, "sourdough"),
    ("$9.99 or less ebook", "ebook", None, 999, ""),
    ("notion template for students", "template", None, None, "notion for students"),
    ("pdf guide to investing", "ebook", None, None, "to investing"),
    ("prompt engineering course", "course", None, None, "prompt engineering"),  # a topic, then the head noun
    ("course planner template", "template", None, None, "course planner"),  # the type named last wins
    ("gluten free baking", None, None, None, "gluten free baking"),  # "free" as part of a topic
    ("sugar-free desserts", None, None, None, "sugar-free desserts"),
    ("courses with free preview", "course", "freemium", None, "with"),
    ("premium figma templates", "template", "paid", None, "figma"),
    ("cheap e-books", "ebook", None, 2000, ""),
    ("budget spreadsheet", None, None, None, "budget spreadsheet"),
    ("top 10 marketing prompts", "prompt_pack", None, None, "top 10 marketing"),  # a number is not a price
    ("design bundle", "bundle", None, None, "design"),
])
def test_detects_and_removes_the_intent_words(q, product_type, pricing, max_price_cents, rest):
    intent = detect(q, TYPES)
    assert (intent.product_type, intent.pricing, intent.max_price_cents, intent.query) == (
        product_type, pricing, max_price_cents, rest)


def test_only_known_types_are_detected():
    assert detect("design bundle", ("course", "ebook")).product_type is None


def test_stopwords_are_not_search_terms():
    assert detect("how to bake bread for beginners", TYPES).terms == ("bake", "bread", "beginners")
