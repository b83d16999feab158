"""Flask extensions, created unbound; ``create_app`` attaches them.

Only the database lives here: the web extensions (CSRF, Babel, sign-in) are in
``mediation.web_extensions`` and Flask-Migrate is created by ``create_app``, so that the
``mediation sweep`` process started by cron imports none of them.
"""
import sqlalchemy as sa
from flask_sqlalchemy import SQLAlchemy
from sqlalchemy.orm import DeclarativeBase

# A naming convention makes Alembic's constraint names the same on SQLite and PostgreSQL.
NAMING_CONVENTION = {
    'ix': 'ix_%(column_0_label)s',
    'uq': 'uq_%(table_name)s_%(column_0_N_name)s',
    'ck': 'ck_%(table_name)s_%(constraint_name)s',
    'fk': 'fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s',
    'pk': 'pk_%(table_name)s',
}


class Base(DeclarativeBase):
    metadata = sa.MetaData(naming_convention=NAMING_CONVENTION)


db = SQLAlchemy(model_class=Base)
