"""Builders for test data (services do the work, so tests exercise the real paths)."""
from datetime import datetime
from types import SimpleNamespace

import sqlalchemy as sa

from mediation.extensions import db
from mediation.models import Category
from mediation.services import accounts
from mediation.services import orgs as org_service
from mediation.services.cases import CaseInput
from mediation.services.cases import PartyInput
from mediation.services.cases import create_case
from workflows.enums import Role
from workflows.enums import Source


def make_org_tree():
    district = org_service.create_organisation(kind='district', name='诸暨区', short_name='诸暨', code='330681')
    town_a = org_service.create_organisation(kind='town', name='枫桥镇', short_name='枫桥', code='330681-FQ',
                                             parent=district)
    town_b = org_service.create_organisation(kind='town', name='店口镇', short_name='店口', code='330681-DK',
                                             parent=district)
    village_a1 = org_service.create_organisation(kind='village', name='枫源村', short_name='枫源', code='FQ-FY',
                                                 parent=town_a)
    village_a2 = org_service.create_organisation(kind='village', name='陈家村', short_name='陈家', code='FQ-CJ',
                                                 parent=town_a)
    village_b1 = org_service.create_organisation(kind='village', name='湄池村', short_name='湄池', code='DK-MC',
                                                 parent=town_b)
    court = org_service.create_organisation(kind='court', name='诸暨市人民法院', short_name='诸暨法院', code='COURT-ZJ',
                                            served_districts=[district])
    db.session.commit()
    return SimpleNamespace(district=district, town_a=town_a, town_b=town_b, village_a1=village_a1,
                           village_a2=village_a2, village_b1=village_b1, court=court)


def make_user(username, role, organisation, password='password123'):
    user = accounts.create_user(username=username, display_name=username, password=password, role=role,
                                organisation=organisation)
    db.session.commit()
    return user


def make_standard_users(orgs):
    return SimpleNamespace(
        village=make_user('village_a1', Role.VILLAGE_MEDIATOR, orgs.village_a1),
        village_other=make_user('village_a2', Role.VILLAGE_MEDIATOR, orgs.village_a2),
        village_b=make_user('village_b1', Role.VILLAGE_MEDIATOR, orgs.village_b1),
        town=make_user('town_a', Role.TOWN_MEDIATOR, orgs.town_a),
        town_b=make_user('town_b', Role.TOWN_MEDIATOR, orgs.town_b),
        district=make_user('district', Role.DISTRICT_OFFICER, orgs.district),
        court=make_user('court', Role.COURT_OFFICER, orgs.court),
        admin=make_user('admin', Role.ADMIN, orgs.district),
    )


def category(code='LL'):
    return db.session.scalar(sa.select(Category).where(Category.code == code))


def case_input(title='邻里排水纠纷', *, category_code='LL', parties=None, **kw):
    parties = parties or [
        PartyInput(role='applicant', kind='person', name='张三', id_number='11010519491231002X',
                   phone='13812345678', address='枫桥镇枫源村3组12号'),
        PartyInput(role='respondent', kind='person', name='李四', phone='0575-87654321'),
    ]
    return CaseInput(title=title, category_id=category(category_code).id, source=Source.PARTY_APPLICATION.value,
                     facts='双方因排水沟堵塞发生争执。', parties=parties, **kw)


def make_case(user, *, now: datetime | None = None, **kw):
    result = create_case(user, case_input(**kw), now=now)
    db.session.commit()
    return result.case
