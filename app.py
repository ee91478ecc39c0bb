"""The Chalice application: blueprints, middleware and event handlers are registered here, nothing else."""

from chalice import Chalice, Rate

from chalicelib.api import register
from chalicelib.config import get_settings
from chalicelib.handlers.abandoned_orders import abandon_stale_orders
from chalicelib.handlers.allowance_reset import reset_ai_allowances
from chalicelib.handlers.blasts import fan_out_blast
from chalicelib.handlers.mail_outbox import send_unsent_mail
from chalicelib.handlers.search_index import QUEUE_PURPOSE, index_products
from chalicelib.handlers.video_events import on_mediaconvert_event, on_video_uploaded
from chalicelib.handlers.video_tasks import run_video_task
from chalicelib.observability import invocation

app = Chalice(app_name="creator-marketplace")
app.register_middleware(invocation, "all")  # outermost: every function's trace and its metrics flushed at the end
register(app)

app.schedule(Rate(15, unit=Rate.MINUTES), name="abandon_stale_orders")(abandon_stale_orders)
app.schedule(Rate(1, unit=Rate.HOURS), name="reset_ai_allowances")(reset_ai_allowances)
app.schedule(Rate(5, unit=Rate.MINUTES), name="send_unsent_mail")(send_unsent_mail)

settings = get_settings()
app.on_sqs_message(queue=settings.queue_name("video-uploads"), batch_size=1,
                   name="on_video_uploaded")(on_video_uploaded)
app.on_sqs_message(queue=settings.queue_name("video-tasks"), batch_size=1, name="run_video_task")(run_video_task)
app.on_sqs_message(queue=settings.queue_name("mediaconvert-events"), batch_size=1,
                   name="on_mediaconvert_event")(on_mediaconvert_event)
app.on_sqs_message(queue=settings.queue_name(QUEUE_PURPOSE), batch_size=10, name="index_products")(index_products)
app.on_sqs_message(queue=settings.queue_name("blasts"), batch_size=1, name="fan_out_blast")(fan_out_blast)
