"""Flask extensions, created unbound; ``create_app`` attaches them."""
from flask_babel import Babel
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
