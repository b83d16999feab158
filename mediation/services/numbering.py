"""Case numbers （2026）枫桥人调字第N号: serial per committee per year, allocated atomically."""
import sqlalchemy as sa
from sqlalchemy.dialects import postgresql
from sqlalchemy.dialects import sqlite

from mediation.database import is_postgresql
from mediation.extensions import db
from mediation.models import CaseNumberCounter


def next_serial(committee_id: int, year: int) -> int:
    """Take the next serial in the caller's transaction.

    The counter row is created if missing (ON CONFLICT DO NOTHING) and incremented with
    ``UPDATE … RETURNING``: the row lock makes concurrent acceptances queue, so each gets its
    own number, and a rolled-back acceptance gives its number back (no gaps).
    """
    insert = postgresql.insert if is_postgresql(db.session.connection()) else sqlite.insert
    db.session.execute(insert(CaseNumberCounter).values(committee_id=committee_id, year=year, last_serial=0)
                       .on_conflict_do_nothing())
    return db.session.execute(
        sa.update(CaseNumberCounter)
        .where(CaseNumberCounter.committee_id == committee_id, CaseNumberCounter.year == year)
        .values(last_serial=CaseNumberCounter.last_serial + 1)
        .returning(CaseNumberCounter.last_serial)).scalar_one()
