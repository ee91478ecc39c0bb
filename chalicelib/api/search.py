"""Search endpoints: the catalog search, suggestions while typing, and search inside your library."""

from chalice import Blueprint

from chalicelib.api.routing import Call, page_limit, route

# Services are imported inside views: importing the app must stay cheap (see routing.py).
bp = Blueprint(__name__)


@route(bp, "/v1/search", summary="Search published products (intent words, typos, facets)", tag="search",
       auth="optional", query="search.SearchParams", response="search.SearchPage", errors=(503,))
def search_products(call: Call) -> dict:
    from chalicelib.services.search import query

    params = call.query.model_dump()
    params["limit"] = page_limit(params["limit"])
    return query.search(query.SearchRequest(**params), call.user_id)


@route(bp, "/v1/search/suggest", summary="Titles and topics completing what the user types", tag="search",
       auth="none", query="search.SuggestParams", response="search.Suggestions", errors=(503,))
def suggest(call: Call) -> dict:
    from chalicelib.services.search import query

    return query.suggest(call.query.q, call.query.limit)


@route(bp, "/v1/library/search", summary="Search inside the products you hold (lessons, quizzes, video captions, "
       "file text, pages) with deep links",
       tag="learning", query="search.LibrarySearchParams", response="search.LibrarySearchPage", errors=(503,))
def search_library(call: Call) -> dict:
    from chalicelib.services.search import library

    return {"items": library.search_library(call.user_id, call.query.q, call.query.limit)}
