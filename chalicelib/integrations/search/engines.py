"""The process's search engine, chosen by the settings."""


from __future__ import annotations

from functools import lru_cache
from typing import TYPE_CHECKING

from chalicelib.config import get_settings

if TYPE_CHECKING:
    from chalicelib.integrations.search.base import SearchEngine


@lru_cache(maxsize=1)
def engine() -> SearchEngine:
    """The process's engine, as the settings choose (`SEARCH_ENGINE`)."""
    settings = get_settings()
    if settings.search_engine == "weaviate":
        from chalicelib.integrations.search.weaviate import WeaviateEngine

        return WeaviateEngine.from_settings(settings)
    from chalicelib.integrations.search.local import LocalEngine

    return LocalEngine(settings.search_index_path)
