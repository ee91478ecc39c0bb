"""Text generation behind one small interface: Amazon Bedrock (Converse) in AWS, an offline extractive model locally.

A request carries both what a real model needs (the system instructions and the user message, which state the
JSON shape to answer in) and the material the answer must come from, so the offline model can derive its answer
from that material instead of inventing one. Callers parse and validate the text themselves: a model's answer
is untrusted input.
"""

from __future__ import annotations

import functools
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any, Protocol

from chalicelib.config import get_settings

TASKS = ("outline", "enhance", "quiz", "description")


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

    def generate(self, request: AiRequest, *, model: str, max_tokens: int) -> Completion:
        """Answer `request` in at most `max_tokens` output tokens; usage as the model reports (or counts) it."""
        ...


@functools.lru_cache(maxsize=1)
def provider() -> TextModel:
    """The configured model, built once per process (the Bedrock client is created on first use)."""
    settings = get_settings()
    if settings.ai_provider == "bedrock":
        from chalicelib.integrations.ai.bedrock import BedrockModel

        return BedrockModel(region=settings.bedrock_region or settings.region, models=dict(settings.bedrock_models))
    from chalicelib.integrations.ai.offline import OfflineModel

    return OfflineModel()
