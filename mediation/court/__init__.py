from flask import Blueprint

bp = Blueprint('court', __name__, url_prefix='/court')

from mediation.court import views  # noqa: E402,F401
