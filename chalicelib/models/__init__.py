"""Every table the app uses. `ALL_MODELS` is the single list the local runtime and `infra/` build from."""

from chalicelib.models.access import AccessGrant, ProductHolders
from chalicelib.models.allowance import AiLedgerEntry
from chalicelib.models.analytics import AiUsageDay, DailyRollup, EngagementCounter, FunnelCounter
from chalicelib.models.catalog import BundleMembership, CatalogListing, Product, ProductSlug
from chalicelib.models.commerce import OpenCheckout, Order, ProcessedEvent
from chalicelib.models.coupons import Coupon, CouponRedemption
from chalicelib.models.course import CourseItem
from chalicelib.models.credits import CreditPurchase
from chalicelib.models.deliverables import DownloadLog, ProductFile
from chalicelib.models.learning import Certificate, Enrollment, LessonProgress, QuizAttempt
from chalicelib.models.mail import OutboxMail
from chalicelib.models.messaging import (
    BlastItem,
    ContactPreference,
    Conversation,
    InboxEntry,
    Message,
    Notification,
    Room,
)
from chalicelib.models.payouts import Payout, PayoutAccount, StatementRow
from chalicelib.models.rate_limits import RateLimitWindow
from chalicelib.models.refunds import RefundRequest, RefundRule
from chalicelib.models.reviews import Review, ReviewMark
from chalicelib.models.users import CreatorAccount, CreatorHandle, User
from chalicelib.models.video import VideoAsset, VideoQualityVariant

ALL_MODELS = (User, CreatorAccount, CreatorHandle, Product, ProductSlug, CatalogListing, AccessGrant, CourseItem,
              Enrollment, LessonProgress, QuizAttempt, Certificate, Order, ProcessedEvent, OpenCheckout, RefundRequest,
              Coupon, CouponRedemption, ProductFile, DownloadLog, VideoAsset, VideoQualityVariant,
              AiLedgerEntry, RateLimitWindow, CreditPurchase, Review, ReviewMark, BundleMembership,
              ProductHolders, Conversation, InboxEntry, Message, Room, ContactPreference, BlastItem, Notification,
              OutboxMail, DailyRollup, EngagementCounter, RefundRule, FunnelCounter, AiUsageDay,
              PayoutAccount, StatementRow, Payout)

__all__ = ["ALL_MODELS", "AccessGrant", "AiLedgerEntry", "BundleMembership", "CatalogListing", "Certificate", "Coupon",
           "CouponRedemption", "DailyRollup", "EngagementCounter", "FunnelCounter", "AiUsageDay",
           "CourseItem",
           "CreatorAccount", "CreatorHandle", "CreditPurchase", "DownloadLog", "Enrollment", "LessonProgress",
           "OpenCheckout", "Order", "OutboxMail", "Payout", "PayoutAccount", "StatementRow",
           "ProcessedEvent",
           "Product", "ProductFile", "ProductSlug", "QuizAttempt", "RateLimitWindow", "RefundRequest", "Review",
           "RefundRule", "ReviewMark", "User",
           "VideoAsset", "VideoQualityVariant",
           "BlastItem", "ContactPreference", "Conversation", "InboxEntry", "Message", "Notification", "ProductHolders",
           "Room"]
