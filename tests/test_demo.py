"""``mediation seed-demo``: the invented district, its users and a few hundred cases."""
from collections import Counter
from datetime import timedelta

import sqlalchemy as sa
from flask import current_app

from mediation.chinatime import china_date
from mediation.chinatime import utcnow
from mediation.demo import seed_demo_data
from mediation.demo.places import ADMIN_PASSWORD
from mediation.demo.places import DEMO_PASSWORD
from mediation.demo.places import DISTRICT_CODE
from mediation.identifiers import parse_resident_id
from mediation.identifiers import parse_uscc
from mediation.models import Case
from mediation.models import Event
from mediation.models import Organisation
from mediation.models import Party
from mediation.models import Stage
from mediation.models import User
from mediation.models import court_district
from workflows.enums import Clock
from workflows.enums import Level
from workflows.enums import OrgKind
from workflows.enums import PartyKind
from workflows.enums import Role
from workflows.enums import Source
from workflows.enums import StageKind
from workflows.states import State


def _counts(db):
    return tuple(db.session.scalar(sa.select(sa.func.count()).select_from(model))
                 for model in (Organisation, User, Case, Party, Stage, Event))


def test_seed_demo_data_builds_the_district_users_and_cases(db):
    before = utcnow()
    report = seed_demo_data()
    db.session.commit()

    orgs = db.session.scalars(sa.select(Organisation)).all()
    kinds = Counter(org.kind for org in orgs)
    assert kinds == {OrgKind.DISTRICT: 1, OrgKind.TOWN: 3, OrgKind.VILLAGE: 8, OrgKind.COURT: 1}
    villages = [org for org in orgs if org.kind == OrgKind.VILLAGE]
    assert any(org.name.endswith('村') for org in villages) and any(org.name.endswith('社区') for org in villages)
    district = next(org for org in orgs if org.kind == OrgKind.DISTRICT)
    court = next(org for org in orgs if org.kind == OrgKind.COURT)
    assert district.code == DISTRICT_CODE
    assert db.session.execute(sa.select(court_district)).all() == [(court.id, district.id)]
    assert all(org.committee_name and org.short_name for org in orgs)
    assert all(district.contains(org) for org in orgs if org.kind != OrgKind.COURT)

    users = db.session.scalars(sa.select(User)).all()
    assert {user.role for user in users} == set(Role)
    by_name = {user.username: user for user in users}
    assert by_name['admin'].check_password(ADMIN_PASSWORD)
    assert by_name['cun1'].check_password(DEMO_PASSWORD) and by_name['fayuan'].check_password(DEMO_PASSWORD)
    # two villages of one town have their own mediators, so jurisdiction can be shown
    village_users = [user for user in users if user.role == Role.VILLAGE_MEDIATOR]
    assert len(village_users) >= 3
    assert max(Counter(user.organisation.parent_id for user in village_users).values()) >= 2
    assert Counter(user.role for user in users)[Role.TOWN_MEDIATOR] == 3
    for username in by_name:
        assert f'| {username} |' in report

    cases = db.session.scalars(sa.select(Case)).all()
    assert len(cases) >= 200
    assert len({case.category_id for case in cases}) >= 12
    assert len({case.source for case in cases}) >= 6
    assert {Source.COURT_DELEGATED, Source.COURT_ENTRUSTED} <= {case.source for case in cases}
    assert any(case.mzx_risk for case in cases) and any(case.group_dispute for case in cases)
    assert any(case.risk_level for case in cases) and any(case.amount for case in cases)

    stages = db.session.scalars(sa.select(Stage)).all()
    states = Counter(State(stage.state) for stage in stages)
    for state in (State.PENDING_ACCEPTANCE, State.DECLINED, State.MEDIATING, State.PAUSED, State.AGREEMENT_PENDING,
                  State.AGREED, State.FAILED, State.REFERRED_UP, State.WITH_COURT, State.RETURNED_TO_COURT,
                  State.WITHDRAWN, State.TERMINATED, State.CLOSED):
        assert states[state] > 0, state
    levels = Counter(stage.level for stage in stages)
    assert levels[Level.TOWN] >= 20 and levels[Level.DISTRICT] >= 5 and levels[Level.COURT] >= 5
    assert any(stage.kind.court_sent for stage in stages)

    # timestamps lie in the past six months or so; some stages are overdue, some due soon
    today = china_date(before)
    events = db.session.scalars(sa.select(Event)).all()
    assert max(event.at for event in events) <= utcnow()
    assert min(event.at for event in events) >= before - timedelta(days=200)
    running = [stage for stage in stages if stage.clock == Clock.MEDIATION and stage.due_on]
    overdue = [stage for stage in running if stage.due_on < today]
    assert 0 < len(overdue) < len(running) / 4  # left for the sweep, but most open cases are on time
    assert any(stage.due_on and stage.due_soon_on and stage.due_soon_on <= today <= stage.due_on for stage in stages)

    # case numbers follow acceptance order within each committee
    numbered = sorted((stage.committee_id, stage.number_serial, stage.accepted_at)
                      for stage in stages if stage.number_serial)
    for (org_a, _, at_a), (org_b, _, at_b) in zip(numbered, numbered[1:]):
        assert org_a != org_b or at_a <= at_b

    # every party's identifiers are valid: GB 11643 ID numbers, GB 32100 credit codes
    cipher = current_app.extensions['field_cipher']
    parties = db.session.scalars(sa.select(Party)).all()
    people = [party for party in parties if party.kind == PartyKind.PERSON]
    assert len(people) >= 400
    for party in people:
        assert party.id_number_encrypted, party.name
        resident = parse_resident_id(cipher.decrypt(party.id_number_encrypted))
        assert resident.birth_date == party.birth_date and resident.sex == party.sex
        assert party.phone_masked and party.address
        assert 2 <= len(party.name) <= 3
    for party in parties:
        if party.kind == PartyKind.ORGANISATION:
            assert parse_uscc(party.uscc) == party.uscc

    # every written agreement the demo reached is sealed and verifiable; one names a party 𠮷
    from mediation.models import Agreement
    from mediation.models import IssuedDocument
    from mediation.services import sealing
    from mediation.services import storage
    from workflows.enums import AgreementKind
    agreed_written = [stage for stage in stages if stage.agreement_effective_at and db.session.scalar(
        sa.select(Agreement.kind).where(Agreement.stage_id == stage.id)) == AgreementKind.WRITTEN]
    issued = db.session.scalars(sa.select(IssuedDocument)).all()
    assert len(agreed_written) >= 30 and {document.stage_id for document in issued} == {s.id for s in agreed_written}
    for document in issued:
        assert sealing.verify_document(storage.read(document.file_sha256)).valid, document.case_number
    rare = [party for party in parties if '𠮷' in party.name]
    assert rare and any(document.case_id == rare[0].case_id for document in issued)


def test_refuses_to_mix_with_existing_data(db, orgs):
    before = _counts(db)
    report = seed_demo_data()
    assert 'not loaded' in report
    assert _counts(db) == before


def test_cli_seed_demo(app, runner, monkeypatch):
    monkeypatch.setattr('mediation.demo.DEMO_CASE_COUNT', 60)  # the content is checked above; keep this quick
    result = runner.invoke(args=['seed-demo'])
    assert result.exit_code == 0, result.output
    assert '| admin | admin12345 |' in result.output and '| fayuan |' in result.output
    with app.app_context():
        from mediation.extensions import db
        assert db.session.scalar(sa.select(sa.func.count()).select_from(Case)) >= 60
        court_sent = db.session.scalar(sa.select(sa.func.count()).select_from(Stage)
                                       .where(Stage.kind == StageKind.COURT_DELEGATED))
        assert court_sent > 0
        before = _counts(db)
        db.session.remove()

    again = runner.invoke(args=['seed-demo'])  # idempotent: the second run adds nothing
    assert again.exit_code == 0, again.output
    assert 'already loaded' in again.output
    with app.app_context():
        assert _counts(db) == before
        db.session.remove()
