"""The public verification page: anyone checks a sealed document, without signing in."""
from flask import Blueprint

bp = Blueprint('verify', __name__)

from mediation.verify import views  # noqa: E402,F401
