"""Downloadable files of prompt packs, templates and ebooks: the creator's uploads, buyers' downloads, the log."""

from chalice import Blueprint

from chalicelib.api.routing import Call, page_limit, route

# Services are imported inside views: importing the app must stay cheap (see routing.py).
bp = Blueprint(__name__)
P = "/v1/products/{product_id}"


def _deliverables():
    from chalicelib.services.catalog import deliverables

    return deliverables


@route(bp, f"{P}/files", "POST", summary="Start a file upload: a pending file and a presigned PUT URL",
       tag="creator", body="deliverables.FileUploadCreate", response="deliverables.FileUploadOut", status=201,
       errors=(409,))
def start_upload(call: Call, product_id: str) -> dict:
    body = call.body
    record, upload = _deliverables().start_upload(call.user_id, product_id, body.filename, body.content_type,
                                                  body.size_bytes)
    return {"file": record, "upload": upload}


@route(bp, f"{P}/files/{{file_id}}/complete", "POST", summary="Verify an uploaded file (size, type); "
       "mismatches are deleted and answer 422", tag="creator", response="deliverables.ProductFileOut",
       errors=(409, 422))
def complete_upload(call: Call, product_id: str, file_id: str):
    return _deliverables().complete_upload(call.user_id, product_id, file_id)


@route(bp, f"{P}/files", summary="A product's files: all for the owner, ready ones for buyers (else 404)",
       tag="deliverables", response="deliverables.ProductFileList")
def list_files(call: Call, product_id: str) -> dict:
    return {"items": _deliverables().list_files(call.user_id, product_id)}


@route(bp, f"{P}/files/{{file_id}}", "DELETE", summary="Delete a file of your product", tag="creator", status=204,
       errors=(409,))
def delete_file(call: Call, product_id: str, file_id: str) -> None:
    _deliverables().delete_file(call.user_id, product_id, file_id)


@route(bp, f"{P}/files/{{file_id}}/download", summary="A 5-minute download URL (owner or buyers; logged)",
       tag="deliverables", response="deliverables.DownloadOut")
def download(call: Call, product_id: str, file_id: str) -> dict:
    request = call.request
    ip = ((request.context or {}).get("identity") or {}).get("sourceIp")
    return _deliverables().download(call.user_id, product_id, file_id, ip, request.headers.get("user-agent"))


@route(bp, f"{P}/downloads", summary="Who downloaded your product's files, newest first", tag="creator",
       query="common.PageQuery", response="deliverables.DownloadLogPage")
def download_log(call: Call, product_id: str) -> dict:
    page = _deliverables().download_log(call.user_id, product_id, page_limit(call.query.limit), call.query.cursor)
    return page.to_dict()
