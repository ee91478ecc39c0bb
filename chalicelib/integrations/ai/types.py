"""The text-model interface every provider implements, and what crosses it (kept apart from the provider choice in
`__init__`, so the providers and their callers import these types without importing each other).

A request carries both what a real model needs (the system instructions and the user message, which state the
JSON shape to answer in) and the material the answer must come from, so the offline model can derive its answer
from that material instead of inventing one. Callers parse and validate the text themselves: a model's answer
is untrusted input.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any, Protocol

from chalicelib.errors import ServiceUnavailable

TASKS = ("outline", "enhance", "quiz", "description")


class AiUnavailable(ServiceUnavailable):
    """The model is down, throttling after our retries, or refuses our configuration; nothing was generated."""

    code = "ai_unavailable"


@dataclass(frozen=True)
class Source:
    """One piece of the creator's material (a lesson, the product text), with a title for attribution."""

    title: str
    text: str


@dataclass(frozen=True)
class AiRequest:
    task: str  # one of TASKS: which JSON shape the answer has
    system: str  # instructions, including the JSON shape
    prompt: str  # the user message: the request and the material, delimited
    sources: tuple[Source, ...] = ()  # the material (also inside `prompt`), for models that work on it directly
    params: Mapping[str, Any] = field(default_factory=dict)  # task knobs: modules, questions, tone, …

    @property
    def input_chars(self) -> int:
        return len(self.system) + len(self.prompt)


@dataclass(frozen=True)
class Completion:
    text: str
    input_tokens: int
    output_tokens: int
    model: str

    @property
    def total_tokens(self) -> int:
        return self.input_tokens + self.output_tokens


class TextModel(Protocol):
    def model_for(self, tier: str) -> str:
        """The model id used for an allowance tier (what the ledger records)."""
        ...

    def max_questions(self, sources: Sequence[Source]) -> int | None:
        """How many quiz questions this model can write from `sources`; None when it has no limit of its own."""
        ...

    def generate(self, request: AiRequest, *, model: str, max_tokens: int) -> Completion:
        """Answer `request` in at most `max_tokens` output tokens; usage as the model reports (or counts) it.
        Raises `AiUnavailable` (503, `Retry-After` when a retry may help) when no answer can be had."""
        ...
