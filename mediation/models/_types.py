"""Column helpers shared by the models."""
from datetime import datetime
from datetime import timezone

import sqlalchemy as sa


def utcnow() -> datetime:
    """Naive UTC: every timestamp column stores UTC without a zone, the same on SQLite and PostgreSQL."""
    return datetime.now(timezone.utc).replace(tzinfo=None)


def enum_column(enum_cls, name, **kw):
    """A string column holding ``enum_cls`` values with a CHECK constraint on both databases."""
    return sa.Enum(enum_cls, name=name, native_enum=False, create_constraint=True, length=32,
                   values_callable=lambda e: [m.value for m in e], validate_strings=True, **kw)
