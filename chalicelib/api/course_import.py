"""Legacy course import (product owner only; anybody else gets 404)."""

from chalice import Blueprint

from chalicelib.api.routing import Call, route

# Services are imported inside views: importing the app must stay cheap (see routing.py).
bp = Blueprint(__name__)


@route(bp, "/v1/products/{product_id}/import", "POST", summary="Import a legacy course document into an empty course",
       tag="builder", body="course_import.CourseImport", response="course_import.ImportResult", status=201,
       repeat=200, errors=(409,))
def import_course(call: Call, product_id: str) -> tuple:
    """201 with the new ids; re-sending the same document answers 200 with the same ids and `is_already_imported`."""
    from chalicelib.services.courses import importer

    result = importer.import_course(call.user_id, product_id, call.body.model_dump(mode="json"))
    return result, not result["is_already_imported"]
