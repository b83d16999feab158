"""Flask extensions, created unbound; ``create_app`` attaches them.

Only the database lives here: the web extensions (CSRF, Babel, sign-in) are in
``mediation.web_extensions`` and Flask-Migrate is created by ``create_app``.
"""
from flask_sqlalchemy import SQLAlchemy

from mediation.models.base import Base

db = SQLAlchemy(model_class=Base)
