"""The Chalice application: blueprints, middleware and event handlers are registered here, nothing else."""

from chalice import Chalice

from chalicelib.api import register

app = Chalice(app_name="creator-marketplace")
register(app)
