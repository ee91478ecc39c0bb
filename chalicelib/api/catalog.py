"""Catalog endpoints: public explore and detail, and the creator's product writes."""

from chalice import Blueprint

from chalicelib.api.routing import Call, page_limit, route

# Services are imported inside views: importing the app must stay cheap (see routing.py).
bp = Blueprint(__name__)


@route(bp, "/v1/products", summary="Explore published products", tag="catalog", auth="optional",
       query="products.ExploreParams", response="products.ProductCardPage")
def explore(call: Call) -> dict:
    from chalicelib.services.catalog import explore

    params = call.query.model_dump()
    params["limit"] = page_limit(params["limit"])
    page = explore.explore(explore.ExploreQuery(**params), call.user_id)
    return page.to_dict()


@route(bp, "/v1/products/{product_id}", summary="A product by id or slug, with its course outline and your access",
       tag="catalog", auth="optional", response="products.ProductDetail")
def product_detail(call: Call, product_id: str) -> dict:
    from chalicelib.services.analytics import funnel
    from chalicelib.services.catalog import products

    product, reason = products.get_visible(product_id, call.user_id)
    if product.status == "published":  # a funnel view (never the creator's own; a failed count is only logged)
        funnel.count_view(product.creator_id, product.product_id, call.user_id)
    return _detail(product, reason, call.user_id)


@route(bp, "/v1/products/{product_id}/preview", summary="Your product exactly as an anonymous buyer sees it",
       tag="builder", response="products.ProductDetail")
def product_preview(call: Call, product_id: str) -> dict:
    from chalicelib.services.catalog import products

    return _detail(products.get_owned(call.user_id, product_id), None, None)


def _detail(product, reason: str | None, viewer_id: str | None) -> dict:
    """Product fields, its review aggregates (on its row), the viewer's access, for courses the outline with locks
    (one outline Query), for bundles the members (one BatchGetItem)."""
    from chalicelib.services.accounts.profiles import creator_profile
    from chalicelib.services.catalog import bundles, products, ratings

    state = products.state_of(product)
    detail = {**state, "has_access": reason is not None, "access_reason": reason,
              "rating_summary": ratings.summary(state), "is_owner": product.creator_id == viewer_id,
              "creator": creator_profile(product.creator_id)}
    if product.product_type == "bundle":  # its members' cards: one BatchGetItem
        detail["bundle"] = bundles.pricing(state, bundles.member_states(state))
    if product.product_type == "course":
        from chalicelib.services.courses.outline import lesson_access_map, outline_tree, quiz_summary
        from chalicelib.services.courses.store import load_outline

        outline = load_outline(product.product_id, consistent=False)
        detail["outline"] = outline_tree(outline, reason)
        detail["course_quizzes"] = [quiz_summary(outline, q, reason) for q in outline.quizzes_of("course")]
        detail["lesson_access"] = lesson_access_map(outline, reason)
    return detail


@route(bp, "/v1/products", "POST", summary="Create a draft product", tag="creator",
       body="products.ProductCreate", response="products.ProductOut", status=201, errors=(403, 409))
def create_product(call: Call):
    from chalicelib.services.accounts import users
    from chalicelib.services.catalog import products

    users.require_creator(call.user_id)
    return products.create_product(call.user_id, call.body.model_dump(exclude_unset=True))


@route(bp, "/v1/products/{product_id}", "PATCH", summary="Update a product you own", tag="creator",
       body="products.ProductUpdate", response="products.ProductOut", errors=(409,))
def update_product(call: Call, product_id: str):
    from chalicelib.services.catalog import products

    return products.update_product(call.user_id, product_id, call.body.model_dump(exclude_unset=True))


@route(bp, "/v1/products/{product_id}", "DELETE", summary="Delete a never-published draft", tag="creator",
       status=204, errors=(409,))
def delete_product(call: Call, product_id: str) -> None:
    from chalicelib.services.catalog import products

    products.delete_product(call.user_id, product_id)


@route(bp, "/v1/products/{product_id}/publish", "POST", summary="Publish a product you own", tag="creator",
       response="products.ProductOut", errors=(409, 422))
def publish_product(call: Call, product_id: str):
    from chalicelib.services.catalog import products

    return products.publish_product(call.user_id, product_id)


@route(bp, "/v1/products/{product_id}/archive", "POST", summary="Archive a product (buyers keep access)",
       tag="creator", response="products.ProductOut", errors=(409,))
def archive_product(call: Call, product_id: str):
    from chalicelib.services.catalog import products

    return products.archive_product(call.user_id, product_id)


@route(bp, "/v1/creator/products", summary="Your products, drafts included", tag="creator",
       query="common.PageQuery", response="products.ProductPage")
def my_products(call: Call) -> dict:
    from chalicelib.services.catalog import products

    page = products.list_creator_products(call.user_id, page_limit(call.query.limit), call.query.cursor)
    return page.to_dict()
