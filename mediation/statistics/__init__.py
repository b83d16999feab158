"""The statistics page and its exports (issue 14); the figures come from ``services.statistics``."""
from flask import Blueprint

bp = Blueprint('statistics', __name__, url_prefix='/statistics')

from mediation.statistics import views  # noqa: E402,F401
