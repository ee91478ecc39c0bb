"""Reviews of products: buyers write theirs, creators reply and read reports, anyone reads, signed-in users vote."""

from chalice import Blueprint

from chalicelib.api.routing import Call, page_limit, route

# Services are imported inside views: importing the app must stay cheap (see routing.py).
bp = Blueprint(__name__)
MINE = "/v1/products/{product_id}/reviews/mine"
ONE = "/v1/products/{product_id}/reviews/{review_id}"


@route(bp, "/v1/products/{product_id}/reviews", summary="A product's reviews (visible ones): newest, most helpful, "
       "highest or lowest first, optionally one rating", tag="reviews", auth="optional",
       query="reviews.ReviewListParams", response="reviews.ReviewPage")
def list_reviews(call: Call, product_id: str) -> dict:
    from chalicelib.services.reviews import reviews

    q = call.query
    page = reviews.list_reviews(product_id, call.user_id, q.sort, q.rating, page_limit(q.limit), q.cursor)
    return {"items": [reviews.public(r) for r in page.items], "next_cursor": page.next_cursor}


@route(bp, "/v1/products/{product_id}/reviews", "POST", summary="Review a product you hold (one per buyer)",
       tag="reviews", body="reviews.ReviewCreate", response="reviews.MyReviewOut", status=201, errors=(403, 409))
def create_review(call: Call, product_id: str) -> dict:
    from chalicelib.services.reviews import reviews

    identity, body = call.identity, call.body
    review = reviews.create(call.user_id, identity.email, identity.name, product_id, body.rating, body.text)
    return _mine(review)


@route(bp, MINE, summary="Your review of a product (hidden ones included)", tag="reviews",
       response="reviews.MyReviewOut", errors=(403,))
def my_review(call: Call, product_id: str) -> dict:
    from chalicelib.services.reviews import reviews

    return _mine(reviews.mine(call.user_id, product_id))


@route(bp, MINE, "PATCH", summary="Edit your review (marked edited)", tag="reviews", body="reviews.ReviewUpdate",
       response="reviews.MyReviewOut", errors=(403, 409))
def edit_review(call: Call, product_id: str) -> dict:
    from chalicelib.services.reviews import reviews

    return _mine(reviews.edit(call.user_id, product_id, call.body.model_dump(exclude_unset=True)))


@route(bp, MINE, "DELETE", summary="Delete your review", tag="reviews", status=204, errors=(403, 409))
def delete_review(call: Call, product_id: str) -> None:
    from chalicelib.services.reviews import reviews

    reviews.delete(call.user_id, product_id)


@route(bp, f"{ONE}/reply", "PUT", summary="Write or edit your public reply to a review of your product",
       tag="reviews", body="reviews.ReplyWrite", response="reviews.ReviewOut")
def reply(call: Call, product_id: str, review_id: str) -> dict:
    from chalicelib.services.reviews import reviews

    return reviews.public(reviews.reply(call.user_id, product_id, review_id, call.body.text))


@route(bp, f"{ONE}/helpful", "POST", summary="Mark a review helpful (once; a repeat changes nothing)",
       tag="reviews", response="reviews.HelpfulOut", errors=(403, 409))
def mark_helpful(call: Call, product_id: str, review_id: str) -> dict:
    from chalicelib.services.reviews import marks, reviews

    review, counted = marks.mark_helpful(call.user_id, product_id, review_id)
    return {"review": reviews.public(review), "is_counted": counted}


@route(bp, f"{ONE}/reports", "POST", summary="Report a review to the creator (it stays visible until moderated)",
       tag="reviews", body="reviews.ReportCreate", response="reviews.ReportAck")
def report(call: Call, product_id: str, review_id: str) -> dict:
    from chalicelib.services.reviews import marks

    return {"is_new": marks.report(call.user_id, product_id, review_id, call.body.reason)}


@route(bp, "/v1/products/{product_id}/review-reports", summary="Reports on your product's reviews, oldest first",
       tag="reviews", query="common.PageQuery", response="reviews.ReportPage")
def reports(call: Call, product_id: str) -> dict:
    from chalicelib.services.reviews import marks

    return marks.reports(call.user_id, product_id, page_limit(call.query.limit), call.query.cursor).to_dict()


def _mine(review) -> dict:
    from chalicelib.services.reviews import reviews

    return {**reviews.public(review), "is_visible": bool(review.is_visible)}
