"""Files delivered with prompt packs, templates and ebooks, and the log of every download.

`product-files`: one partition per product (`product_id`, `file_id`): the owner's and a buyer's file list is
one Query. The object lives in the files bucket under `products/<product_id>/files/<file_id>/<filename>`.
Status: `pending` (upload URL issued) → `ready` (the stored object was verified) or `rejected`.

`download-logs`: one row per download URL handed out, newest first per product (`sk` = `<iso time>#<id>`), and
per user through `by_user` — evidence in a dispute (who, which file, when, from which IP and user agent).
"""

from pynamodb.attributes import NumberAttribute, UnicodeAttribute, UTCDateTimeAttribute
from pynamodb.constants import STREAM_NEW_AND_OLD_IMAGE
from pynamodb.indexes import AllProjection, GlobalSecondaryIndex

from chalicelib.models.base import BaseModel, table_meta, utcnow


class ProductFile(BaseModel):
    # Its changes stream to the search indexer, which extracts a ready file's text (services/search/indexer.py).
    Meta = table_meta("product-files", stream_view_type=STREAM_NEW_AND_OLD_IMAGE)

    product_id = UnicodeAttribute(hash_key=True)
    file_id = UnicodeAttribute(range_key=True)
    creator_id = UnicodeAttribute()
    filename = UnicodeAttribute()
    content_type = UnicodeAttribute()
    size_bytes = NumberAttribute()  # declared by the creator, checked against the stored object
    s3_key = UnicodeAttribute()
    status = UnicodeAttribute(default="pending")  # pending | ready | rejected
    rejection_reason = UnicodeAttribute(null=True)
    etag = UnicodeAttribute(null=True)
    created_at = UTCDateTimeAttribute(default=utcnow)
    uploaded_at = UTCDateTimeAttribute(null=True)


class DownloadsByUser(GlobalSecondaryIndex):
    """Everything one user downloaded, newest first (a dispute names the buyer)."""

    class Meta:
        index_name = "by_user"
        projection = AllProjection()

    user_id = UnicodeAttribute(hash_key=True)
    sk = UnicodeAttribute(range_key=True)


class DownloadLog(BaseModel):
    Meta = table_meta("download-logs")

    product_id = UnicodeAttribute(hash_key=True)
    sk = UnicodeAttribute(range_key=True)  # "<downloaded_at iso>#<download id>"
    download_id = UnicodeAttribute()
    file_id = UnicodeAttribute()
    filename = UnicodeAttribute()
    user_id = UnicodeAttribute()
    access_reason = UnicodeAttribute()  # owner | purchased | gifted | promotional
    ip = UnicodeAttribute(null=True)
    user_agent = UnicodeAttribute(null=True)
    downloaded_at = UTCDateTimeAttribute(default=utcnow)

    by_user = DownloadsByUser()
