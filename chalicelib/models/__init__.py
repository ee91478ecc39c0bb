"""Every table the app uses. `ALL_MODELS` is the single list the local runtime and `infra/` build from."""

from chalicelib.models.access import AccessGrant
from chalicelib.models.catalog import CatalogListing, Product, ProductSlug
from chalicelib.models.users import CreatorAccount, User

ALL_MODELS = (User, CreatorAccount, Product, ProductSlug, CatalogListing, AccessGrant)

__all__ = ["ALL_MODELS", "AccessGrant", "CatalogListing", "CreatorAccount", "Product", "ProductSlug", "User"]
