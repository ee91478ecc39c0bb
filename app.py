"""The Chalice application: blueprints, middleware and event handlers are registered here, nothing else."""

from chalice import Chalice, Rate

from chalicelib.api import register
from chalicelib.handlers.abandoned_orders import abandon_stale_orders

app = Chalice(app_name="creator-marketplace")
register(app)

app.schedule(Rate(15, unit=Rate.MINUTES), name="abandon_stale_orders")(abandon_stale_orders)
