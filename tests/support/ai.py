"""The AI tools' test doubles: lesson texts the offline model can quote, and a spy around the offline model."""

from __future__ import annotations

import dataclasses

from chalicelib.integrations.ai.offline import OfflineModel
from chalicelib.integrations.ai.types import AiRequest, Completion

STARTERS = """A sourdough starter is a culture of wild yeast and lactic acid bacteria. Feed the starter with equal
weights of flour and water every day. A healthy starter doubles in size within eight hours of feeding. Keep the
starter in a glass jar with a loose lid."""
FERMENTATION = """Bulk fermentation develops flavour while the dough rises. Warm dough ferments faster than cold
dough. Stretch and fold the dough every half hour to build gluten strength. The dough is ready when it has grown
by half and feels airy."""


class SpyModel:
    """The offline model, counting calls; `answer` replaces its text (to play a misbehaving model)."""

    def __init__(self) -> None:
        self.calls: list[AiRequest] = []
        self.answer: str | None = None
        self._offline = OfflineModel()

    def model_for(self, tier: str) -> str:
        return self._offline.model_for(tier)

    def max_questions(self, sources) -> int:
        return self._offline.max_questions(sources)

    def generate(self, request: AiRequest, *, model: str, max_tokens: int) -> Completion:
        self.calls.append(request)
        completion = self._offline.generate(request, model=model, max_tokens=max_tokens)
        return completion if self.answer is None else dataclasses.replace(completion, text=self.answer)
