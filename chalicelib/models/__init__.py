"""Every table the app uses. `ALL_MODELS` is the single list the local runtime and `infra/` build from."""

from chalicelib.models.access import AccessGrant
from chalicelib.models.catalog import CatalogListing, Product, ProductSlug
from chalicelib.models.course import CourseItem
from chalicelib.models.learning import Certificate, Enrollment, LessonProgress, QuizAttempt
from chalicelib.models.users import CreatorAccount, User

ALL_MODELS = (User, CreatorAccount, Product, ProductSlug, CatalogListing, AccessGrant, CourseItem, Enrollment,
              LessonProgress, QuizAttempt, Certificate)

__all__ = ["ALL_MODELS", "AccessGrant", "CatalogListing", "Certificate", "CourseItem", "CreatorAccount", "Enrollment",
           "LessonProgress", "Product", "ProductSlug", "QuizAttempt", "User"]
