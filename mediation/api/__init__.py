"""JSON API under /api/v1 with bearer tokens (``mediation create-token USERNAME``)."""
from flask import Blueprint

bp = Blueprint('api', __name__, url_prefix='/api/v1')

from mediation.api import views  # noqa: E402,F401
