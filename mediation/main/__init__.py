from flask import Blueprint

bp = Blueprint('main', __name__)

from mediation.main import notice_views  # noqa: E402,F401
from mediation.main import views  # noqa: E402,F401
