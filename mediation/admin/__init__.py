from flask import Blueprint

bp = Blueprint('admin', __name__, url_prefix='/admin')

from mediation.admin import roster_views  # noqa: E402,F401
from mediation.admin import views  # noqa: E402,F401
