"""The declarative base of every model, without Flask.

The models map the tables of ``mediation.schema`` and add relationships and behaviour. The web
app reaches them through Flask-SQLAlchemy (``mediation.extensions.db`` is built on this base
and shares its metadata); code that writes rows in bulk, such as the ``mediation sweep``
process that cron starts, uses the tables alone and never imports the ORM.
"""
from sqlalchemy.orm import DeclarativeBase

from mediation import schema


class Base(DeclarativeBase):
    metadata = schema.metadata
