from flask import Blueprint

bp = Blueprint('cases', __name__, url_prefix='/cases')

from mediation.cases import agreement_views  # noqa: E402,F401
from mediation.cases import list_views  # noqa: E402,F401
from mediation.cases import record_views  # noqa: E402,F401
from mediation.cases import views  # noqa: E402,F401
