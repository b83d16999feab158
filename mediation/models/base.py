"""The declarative base of every model, without Flask.

The models are plain SQLAlchemy: the web app reaches them through Flask-SQLAlchemy
(``mediation.extensions.db`` is built on this base and shares its metadata), while the
``mediation sweep`` process that cron starts uses them with a session of its own and never
imports Flask.
"""
import sqlalchemy as sa
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
