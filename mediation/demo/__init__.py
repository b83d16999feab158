"""Demo data for ``mediation seed-demo``: an invented district, its users and ~300 synthetic cases.

Everything here is invented: the place names (青溪区 and its towns and villages), the people
(names drawn from common surnames and given-name characters), their resident ID numbers
(address code 339901, which belongs to no real county, with a correct GB 11643 check digit),
phone numbers and the dispute stories. A seeded ``random.Random`` makes the content the same
on every run; only the dates move, because the cases are spread over the six months before
the day the command runs.

The cases go through the real services (``create_case``, ``apply_transition``) with historic
``now=`` times, so case numbers, deadlines, events and notices are exactly what real use would
have produced. All steps of all cases are replayed in one timeline sorted by time, so case
numbers follow acceptance order within each committee.

Every written agreement a case reaches is drafted, signed (on screen, or on paper for
marriage, adoption and inheritance matters) and sealed with its committee's key, which
``seed-demo`` creates if missing; one sealed agreement names a party with a character outside
GB 2312 (𠮷). The sweep is **not** run: stages past their deadline are left for ``mediation sweep`` to show
the escalation (the report says how many). Nothing here commits; the CLI commits once, so a
failure part-way leaves the database as it was.

Idempotent: if the demo district (code 339901) exists the command changes nothing. It also
refuses to mix demo data into a database that already has its own organisations or users.
"""
import random
from datetime import datetime
from typing import Optional

import sqlalchemy as sa

from mediation.chinatime import china_date
from mediation.chinatime import utcnow
from mediation.demo.people import give_a_rare_name
from mediation.demo.places import DISTRICT
from mediation.demo.places import DISTRICT_CODE
from mediation.demo.places import TOWNS
from mediation.demo.places import create_organisations
from mediation.demo.places import create_users
from mediation.demo.replay import run
from mediation.demo.replay import schedule
from mediation.demo.report import report
from mediation.demo.report import users_table
from mediation.demo.scenarios import SCENARIOS
from mediation.demo.scenarios import Generator
from mediation.demo.stories import CATEGORY_WEIGHTS
from mediation.extensions import db
from mediation.models import Category
from mediation.models import Organisation
from mediation.models import User
from mediation.services import sealing

__all__ = ['seed_demo_data', 'users_table']

DEMO_SEED = 20261121
DEMO_CASE_COUNT = 300


def seed_demo_data(*, now: Optional[datetime] = None, seed: int = DEMO_SEED, case_count: Optional[int] = None) -> str:
    """Load the demo district, its users and ``case_count`` cases (default DEMO_CASE_COUNT); return a report.

    Does not commit: the caller (the CLI) commits once.
    """
    case_count = case_count or DEMO_CASE_COUNT
    if db.session.scalar(sa.select(Organisation.id).where(Organisation.code == DISTRICT_CODE)) is not None:
        return f'演示数据已存在（{DISTRICT[0]}，编码 {DISTRICT_CODE}），未做任何更改。Demo data already loaded.\n\n' \
               + users_table()
    if db.session.scalar(sa.select(sa.func.count()).select_from(Organisation)) or \
            db.session.scalar(sa.select(sa.func.count()).select_from(User)):
        return ('数据库中已有组织机构或用户，为免与真实数据混淆，未载入演示数据。'
                'The database already holds organisations or users; demo data not loaded.')
    now = (now or utcnow()).replace(microsecond=0)
    today = china_date(now)
    rng = random.Random(seed)

    orgs = create_organisations()
    users = create_users(orgs)
    sealing.init_committee_keys()  # every written agreement the demo reaches is sealed
    categories = {c.code: c for c in db.session.scalars(sa.select(Category))}
    missing = sorted(set(CATEGORY_WEIGHTS) - set(categories))
    if missing:
        raise RuntimeError(f'dispute categories missing (run `mediation db upgrade`): {", ".join(missing)}')
    villages = [(orgs[code], orgs[town_code]) for town_code, _, _, vs in TOWNS for code, _, _ in vs]

    generator = Generator(rng, villages, categories, today)
    scale = case_count / sum(count for _, count, _ in SCENARIOS)
    plans = []
    for scenario, count, ago in SCENARIOS:
        for ordinal in range(max(1, round(count * scale))):
            plan = generator.plan(scenario, ordinal)
            schedule(rng, plan, ago, today, now)
            plans.append(plan)
    give_a_rare_name(plans)
    run(plans, orgs, users, rng)
    db.session.flush()
    return report(plans, today)
