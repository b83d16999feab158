"""Flask extensions, created unbound; ``create_app`` attaches them."""
from flask_babel import Babel
from flask_limiter import Limiter
from flask_limiter.util import get_remote_address
from flask_login import LoginManager
from flask_migrate import Migrate
from flask_sqlalchemy import SQLAlchemy
from flask_wtf.csrf import CSRFProtect

from mediation.models.base import Base

db = SQLAlchemy(model_class=Base)
migrate = Migrate(db=db)
csrf = CSRFProtect()
login_manager = LoginManager()
babel = Babel()
#: Requests per client: in-process counts on one server, Redis (REDIS_URL) shared by several.
limiter = Limiter(key_func=get_remote_address)
