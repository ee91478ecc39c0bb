"""Text generation behind one small interface (`types.TextModel`): Amazon Bedrock (Converse) in AWS, an offline
extractive model locally. This module only picks the provider; the interface and its types are in `types`.
"""

from __future__ import annotations

import functools

from chalicelib.config import get_settings
from chalicelib.integrations.ai.types import TextModel


@functools.lru_cache(maxsize=1)
def provider() -> TextModel:
    """The configured model, built once per process (the Bedrock client, and boto3, load on first use)."""
    settings = get_settings()
    if settings.ai_provider == "bedrock":
        from chalicelib.integrations.ai.bedrock import BedrockModel

        return BedrockModel(region=settings.bedrock_region or settings.region, models=dict(settings.bedrock_models))
    from chalicelib.integrations.ai.offline import OfflineModel

    return OfflineModel()
