"""The Chalice application: blueprints, middleware and event handlers are registered here, nothing else."""

from chalice import Chalice, Rate

from chalicelib.api import register
from chalicelib.handlers.abandoned_orders import abandon_stale_orders
from chalicelib.handlers.allowance_reset import reset_ai_allowances

app = Chalice(app_name="creator-marketplace")
register(app)

app.schedule(Rate(15, unit=Rate.MINUTES), name="abandon_stale_orders")(abandon_stale_orders)
app.schedule(Rate(1, unit=Rate.HOURS), name="reset_ai_allowances")(reset_ai_allowances)
