"""The declarative base every model derives from, and the column helpers they share."""
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


def enum_type(enum_cls, name):
    """A string column type holding ``enum_cls`` values, with a CHECK constraint on both databases."""
    return sa.Enum(enum_cls, name=name, native_enum=False, create_constraint=True, length=32,
                   values_callable=lambda e: [m.value for m in e], validate_strings=True)
