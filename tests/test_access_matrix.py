"""The access matrix (issue 12, design.md §7): every page route × every role × cases inside and outside the user's
jurisdiction, against a small rule table written here (never the app's own access functions).

- Who reads a case: the committees that handle it and those above them (supervisors), administrators (masked),
  and a court officer only for cases connected to their court.
- Who acts on a stage: its own committee's users; on a stage that names a court (sent down by it, or referred
  to it), that court's officers too. Work records and agreements are for the stage's own committee only.
  Administrators never act.
- A case outside the jurisdiction answers 404, exactly like a case that does not exist; a case the user reads but
  may not act on answers 403. A refused POST stores nothing (database and storage folder unchanged).
- ID numbers and phones are masked on every page, list and export; only the reveal a handler asks for (logged)
  shows them. Addresses are shown in full to the case's handlers only.

The world (two towns' worth of cases, a court-connected one, one the court sent down) is built once per module
and every route is asked by a signed-in client per role. A route the table does not classify fails
``test_every_page_route_is_classified``.
"""
import io
import re
from dataclasses import dataclass
from dataclasses import field
from datetime import timedelta
from pathlib import Path
from types import SimpleNamespace
from typing import Callable
from typing import Optional

import pytest
import sqlalchemy as sa

from mediation.chinatime import china_time
from mediation.chinatime import utcnow
from mediation.extensions import db as _db
from mediation.identifiers import mask_phone
from mediation.identifiers import mask_resident_id
from mediation.identifiers import resident_id_check_char
from mediation.identifiers import uscc_check_char
from tests.helpers import agree_orally
from tests.helpers import fire
from tests.helpers import sign_all
from tests.helpers import signature_png
from tests.test_hostile_input import stored_digest

# --------------------------------------------------------------------------- the rule table

ROLES = ('village', 'village_other', 'village_b', 'town', 'town_b', 'district', 'court', 'admin')
#: tests/factories.py make_standard_users: each role's username and organisation.
USERNAMES = {'village': 'village_a1', 'village_other': 'village_a2', 'village_b': 'village_b1', 'town': 'town_a',
             'town_b': 'town_b', 'district': 'district', 'court': 'court', 'admin': 'admin'}
HOME = {'village': 'village_a1', 'village_other': 'village_a2', 'village_b': 'village_b1', 'town': 'town_a',
        'town_b': 'town_b', 'district': 'district', 'court': 'court', 'admin': 'district'}
#: The organisations at or below each (tests/factories.py make_org_tree); the court stands outside the tree.
BELOW = {
    'district': {'district', 'town_a', 'town_b', 'village_a1', 'village_a2', 'village_b1'},
    'town_a': {'town_a', 'village_a1', 'village_a2'},
    'town_b': {'town_b', 'village_b1'},
    'village_a1': {'village_a1'}, 'village_a2': {'village_a2'}, 'village_b1': {'village_b1'}, 'court': {'court'},
}
#: Committee staff log disputes; the supervision page is a town's or a district's.
REGISTERS = {'village', 'village_other', 'village_b', 'town', 'town_b', 'district'}
SUPERVISES = {'town', 'town_b', 'district'}


def reads(role, case) -> bool:
    """Handlers and everyone above them in the tree (admins too, masked); a court only its connected cases."""
    if role == 'court':
        return any(HOME[role] in (stage.committee, stage.court) for stage in case.stages)
    return any(stage.committee in BELOW[HOME[role]] for stage in case.stages)


def handles(role, case) -> bool:
    """A committee or court that has (had) a stage of the case, or is named on one; never an administrator."""
    return role != 'admin' and any(HOME[role] in (stage.committee, stage.court) for stage in case.stages)


def acts(role, stage, *, court_too) -> bool:
    """The stage's own committee; with ``court_too`` also the court named on it. Never an administrator."""
    if role == 'admin':
        return False
    return stage.committee == HOME[role] or (court_too and role == 'court' and stage.court == HOME[role])


def everyone(status):
    return lambda role, target: status


def only(roles, status):
    return lambda role, target: status if role in roles else 403


def reader(status):
    return lambda role, target: status if reads(role, target.case) else 404


def handler(status):
    return lambda role, target: status if handles(role, target.case) else 403 if reads(role, target.case) else 404


def actor(status, *, court_too=False):
    return lambda role, target: (status if acts(role, target.stage, court_too=court_too)
                                 else 403 if reads(role, target.case) else 404)


def documents(role, target):
    """The dossier of the user's own stage: the case's handlers; a court keeps its own file, not the committee's."""
    if not reads(role, target.case):
        return 404
    if not handles(role, target.case):
        return 403
    if role == 'court' and any(stage.committee == 'court' for stage in target.case.stages):
        return 404
    return 200


def committee_handler(status):
    """A handler of one of the case's committee stages (not the court's, never an administrator)."""
    def expect(role, target):
        if not reads(role, target.case):
            return 404
        ok = role not in ('court', 'admin') and any(stage.committee == HOME[role] for stage in target.case.stages)
        return status if ok else 403
    return expect


def notice_owner(role, target):
    """A notice is its organisation's: anyone else is told it does not exist."""
    return 302 if HOME[role] == target.values['owner'] else 404


# --------------------------------------------------------------------------- the world

@dataclass
class StageFacts:
    id: int
    committee: str  # an organisation's key (HOME, BELOW)
    court: Optional[str]
    state: str


@dataclass
class CaseFacts:
    key: str
    id: int
    code: str
    stages: list = field(default_factory=list)
    parties: list = field(default_factory=list)  # ids of the parties, in order
    records: dict = field(default_factory=dict)  # kind → (stage index, id or token)


@dataclass(frozen=True)
class Target:
    label: str
    case: Optional[CaseFacts] = None
    stage: Optional[StageFacts] = None
    values: dict = field(default_factory=dict)
    extra: dict = field(default_factory=dict)


PASSWORD = 'password123'
T0 = (utcnow() - timedelta(days=30)).replace(hour=1, minute=0, second=0, microsecond=0)  # 09:00 in China


def at(days, hours=0):
    return T0 + timedelta(days=days, hours=hours)


def person_id(n: int) -> str:
    first17 = f'330681{1970 + n}0612{330 + n:03d}'
    return first17 + resident_id_check_char(first17)


def uscc(n: int) -> str:
    first17 = f'91330681MA2B{n:05d}'
    return first17 + uscc_check_char(first17)


def png(n: int) -> bytes:
    from PIL import Image
    out = io.BytesIO()
    Image.new('RGB', (20 + n, 20), (10 * n % 255, 80, 160)).save(out, 'PNG')
    return out.getvalue()


#: What each world case's parties hold (by their number, see ``_build``): the full values no page may show.
PII = {}
#: The case whose parties are numbered n.
PARTIES_OF = {1: 'mediating_a', 2: 'agreed_a', 3: 'referred_a', 11: 'mediating_b', 12: 'agreed_b', 13: 'referred_b',
              21: 'court', 22: 'delegated', 31: 'far', 41: 'at_district'}


def _parties(n: int, town: str, village: str):
    from mediation.services.cases import PartyInput
    person = dict(id_number=person_id(n), phone=f'1390575{1000 + n:04d}',
                  address=f'诸暨市{town}{village}{n}组{200 + n}号')
    company = dict(phone=f'0575-8800{n:04d}', address=f'诸暨市{town}{village}工业区{300 + n}号')
    PII[n] = SimpleNamespace(id_number=person['id_number'], phone=person['phone'], company_phone=company['phone'],
                             address=person['address'], company_address=company['address'],
                             tails=(f'{n}组{200 + n}号', f'工业区{300 + n}号'))
    return [PartyInput(role='applicant', kind='person', name=f'当事人{n}', **person),
            PartyInput(role='respondent', kind='organisation', name=f'第{n}建材有限公司', uscc=uscc(n),
                       legal_representative=f'法人{n}', **company)]


def _new_case(user, n, town, village, *, kind=None, court=None):
    from mediation.services.cases import create_case
    from mediation.services.deadlines import refresh_deadline
    from tests.factories import case_input
    case = create_case(user, case_input(f'案件{n}', parties=_parties(n, town, village)), now=at(0)).case
    _db.session.commit()
    stage = case.stages[0]
    if kind is not None:  # sent down by the court (as tests/helpers.py accepted_stage does)
        stage.kind, stage.court_id = kind, court.id
        refresh_deadline(stage)
        _db.session.commit()
    fire(stage, 'accept', user, at(0, 1))
    return case


def _session(stage, user, when):
    from mediation.services import records
    return records.add_session(stage, user, records.SessionInput(
        held_at=when, place='调解室', mediators=user.display_name, parties_present='双方',
        statements=[records.StatementInput(stage.case.parties[0].id, '申请人的陈述')], outcome='adjourned'),
        now=when + timedelta(hours=1))


def _investigation(stage, user, when):
    from mediation.services import records
    return records.add_investigation(stage, user, records.InvestigationInput(
        held_at=when, place='现场', investigators=user.display_name, subject='邻居', content='问答'),
        now=when + timedelta(hours=1))


def _evidence(stage, user, when, n):
    from mediation.services import records
    return records.add_evidence(stage, user, records.EvidenceInput(
        evidence_kind='photo', title=f'现场照片{n}', filename='photo.png', data=png(n)), now=when)


def _note(stage, user, when):
    from mediation.services import records
    return records.add_note(stage, user, '已电话联系当事人。', now=when)


def _work(case, index, user, day, n):
    """A session, an investigation, a photo and a note on ``case``'s stage ``index``."""
    stage = case.stages[index]
    facts = {'session': (index, _session(stage, user, at(day)).id),
             'investigation': (index, _investigation(stage, user, at(day, 2)).id),
             'evidence': (index, _evidence(stage, user, at(day, 3), n).token),
             'note': (index, _note(stage, user, at(day, 4)).id)}
    _db.session.commit()
    return facts


def _build(users, orgs) -> dict:
    """The cases of the world, by key: each town's own three, the court's two."""
    from mediation.services import records
    from mediation.services import sealing
    from workflows.enums import StageKind
    sealing.init_committee_keys()
    built = {}
    for suffix, village, town, offset, place in (('a', users.village, users.town, 0, ('枫桥镇', '枫源村')),
                                                 ('b', users.village_b, users.town_b, 10, ('店口镇', '湄池村'))):
        # mediating at the village: every record the negotiation has
        case = _new_case(village, offset + 1, *place)
        built[f'mediating_{suffix}'] = (case, _work(case, 0, village, 1, offset + 1))
        # agreed at the village (an oral agreement): its performance and a follow-up visit
        case = _new_case(village, offset + 2, *place)
        work = _work(case, 0, village, 1, offset + 2)
        stage = case.stages[0]
        agree_orally(stage, village, at(2))
        performance = records.record_performance(stage, village, records.PerformanceInput(
            term_no=1, status='fulfilled', checked_on=china_time(at(3)).date()), now=at(3))
        visit = records.add_follow_up(stage, village, records.FollowUpInput(
            visited_on=china_time(at(4)).date(), method='phone', visitors='调解员', person_visited='当事人',
            situation='已履行完毕'), now=at(4))
        _db.session.commit()
        work.update(performance=(0, performance.id), follow_up=(0, visit.id))
        built[f'agreed_{suffix}'] = (case, work)
        # failed at the village, referred up with consent; the town accepted, worked, and is collecting signatures
        case = _new_case(village, offset + 3, *place)
        stage = case.stages[0]
        _session(stage, village, at(1))
        fire(stage, 'record_failure', village, at(2), '双方分歧过大')
        fire(stage, 'refer_up', village, at(2, 1), '移交镇调委会', consent=True)
        fire(case.stages[1], 'accept', town, at(3), consent=True)
        work = _work(case, 1, town, 4, offset + 3)
        sign_all(case.stages[1], town, at(6))
        built[f'referred_{suffix}'] = (case, work)
    # village A2's case referred to the court: the court's own stage waits for its receipt
    case = _new_case(users.village_other, 21, '枫桥镇', '陈家村')
    work = _work(case, 0, users.village_other, 1, 21)
    fire(case.stages[0], 'refer_to_court', users.village_other, at(3), '当事人要求诉讼')
    built['court'] = (case, work)
    # a case the court delegated to village A1 (诉前委派), being mediated there
    case = _new_case(users.village, 22, '枫桥镇', '枫源村', kind=StageKind.COURT_DELEGATED, court=orgs.court)
    built['delegated'] = (case, _work(case, 0, users.village, 1, 22))
    # a case the district centre registered and mediates itself: at the administrator's own organisation
    case = _new_case(users.district, 41, '枫桥镇', '枫源村')
    built['at_district'] = (case, _work(case, 0, users.district, 1, 41))
    # a case of another district, which no role of the world reaches (not even the district or the court)
    case = _new_case(users.far, 31, '梁弄镇', '横坎头村')
    built['far'] = (case, _work(case, 0, users.far, 1, 31))
    return built


def _far_district(orgs, users):
    """Another district, its town and village, and that village's mediator (``users.far``)."""
    from mediation.services import orgs as org_service
    from tests.factories import make_user
    from workflows.enums import Role
    orgs.far_district = org_service.create_organisation(kind='district', name='余姚区', short_name='余姚', code='330281')
    orgs.far_town = org_service.create_organisation(kind='town', name='梁弄镇', short_name='梁弄', code='330281-LN',
                                                    parent=orgs.far_district)
    orgs.far_village = org_service.create_organisation(kind='village', name='横坎头村', short_name='横坎头',
                                                       code='LN-HKT', parent=orgs.far_town)
    _db.session.commit()
    users.far = make_user('far_village', Role.VILLAGE_MEDIATOR, orgs.far_village)


def _facts(built, orgs) -> dict:
    """What the rule table needs, read back from the database (organisations named by their keys)."""
    from mediation.models import Case
    key_of = {org.id: key for key, org in vars(orgs).items()}
    cases = {}
    for key, (case, work) in built.items():
        case = _db.session.get(Case, case.id)
        cases[key] = CaseFacts(key=key, id=case.id, code=case.matter_code, records=work,
                               parties=[party.id for party in case.parties],
                               stages=[StageFacts(stage.id, key_of[stage.committee_id], key_of.get(stage.court_id),
                                                  stage.state.value) for stage in case.stages])
    return cases


@pytest.fixture(autouse=True)
def _clean_database():
    """Replaces the suite's fixture of that name: the world lives for the whole module (see ``world``)."""
    yield


def _empty_database(request, app):
    conftest = request.config.pluginmanager.get_plugin(str(Path(__file__).with_name('conftest.py')))
    with app.app_context():
        _db.session.remove()
        conftest._empty_tables()
        _db.session.remove()


@pytest.fixture(scope='module')
def world(request, app):
    from mediation.services import notices
    from mediation.services.notices import Notification
    from tests.factories import make_org_tree
    from tests.factories import make_standard_users
    from workflows.enums import Clock
    from workflows.enums import NoticeKind
    _empty_database(request, app)
    try:
        with app.app_context():
            orgs = make_org_tree()
            users = make_standard_users(orgs)
            _far_district(orgs, users)
            built = _build(users, orgs)
            cases = _facts(built, orgs)
            stage = cases['mediating_a'].stages[0]
            notices.notify(_db.session.connection(), NoticeKind.DUE_SOON, [Notification.worded(
                orgs.village_a1.id, stage.id, notices.due_soon_text(Clock.MEDIATION, china_time(at(40)).date()))],
                utcnow())
            _db.session.commit()
            from mediation.models import Notice
            notice = _db.session.scalar(sa.select(Notice.id))
            world = SimpleNamespace(
                cases=cases, notice=notice, org_ids={key: org.id for key, org in vars(orgs).items()},
                user_ids={role: getattr(users, name).id for role, name in (
                    ('village', 'village'), ('village_other', 'village_other'), ('village_b', 'village_b'),
                    ('town', 'town'), ('town_b', 'town_b'), ('district', 'district'), ('court', 'court'),
                    ('admin', 'admin'))},
                category=_db.session.scalar(sa.text("SELECT id FROM category WHERE code = 'LL'")),
                storage=Path(app.config['STORAGE_PATH']), app=app)
            _db.session.remove()
        yield world
    finally:
        _empty_database(request, app)


@pytest.fixture(scope='module')
def clients(app, world):
    """A signed-in test client per role."""
    signed_in = {}
    for role in ROLES:
        client = app.test_client()
        response = client.post('/login', data={'username': USERNAMES[role], 'password': PASSWORD})
        assert response.status_code == 302, role
        signed_in[role] = client
    return signed_in


# --------------------------------------------------------------------------- targets: what fills each URL

def cases_(*keys):
    def targets(world):
        return [Target(key, world.cases[key], None, {'case_id': world.cases[key].id, 'code': world.cases[key].code})
                for key in keys]
    return targets


def stages_(*pairs, record=None, **extra):
    """(case key, stage index) pairs; ``record``: fill ``record_id`` with that kind of record of the stage;
    ``extra``: the trigger a transition sends, by the stage's label (``mediating_a[0]``)."""
    def targets(world):
        found = []
        for key, index in pairs:
            case = world.cases[key]
            stage = case.stages[index]
            values = {'case_id': case.id, 'stage_id': stage.id}
            if record is not None:
                values['record_id'] = case.records[record][1]
            label = f'{key}[{index}]'
            found.append(Target(label, case, stage, values, {'trigger': extra[label]} if label in extra else {}))
        return found
    return targets


def evidence_(*keys):
    def targets(world):
        return [Target(key, world.cases[key], world.cases[key].stages[world.cases[key].records['evidence'][0]],
                       {'case_id': world.cases[key].id, 'token': world.cases[key].records['evidence'][1]})
                for key in keys]
    return targets


def no_case(world):
    return [Target('-')]


def admin_targets(world):
    return [Target('-', values={'org_id': world.org_ids['village_a1'], 'user_id': world.user_ids['village']})]


def notice_targets(world):
    return [Target('notice', values={'notice_id': world.notice, 'owner': 'village_a1'})]


TOWN_CASES = ('mediating_a', 'agreed_a', 'referred_a', 'mediating_b', 'agreed_b', 'referred_b')
ALL_CASES = TOWN_CASES + ('court', 'delegated', 'at_district', 'far')
MEDIATING = (('mediating_a', 0), ('mediating_b', 0), ('referred_a', 1), ('referred_b', 1), ('delegated', 0),
             ('at_district', 0), ('far', 0))
AGREED = (('agreed_a', 0), ('agreed_b', 0))
SIGNING = (('referred_a', 1), ('referred_b', 1))
#: Every stage of the world that is not closed, for the notes any state takes.
EVERY_STAGE = MEDIATING + AGREED + (('referred_a', 0), ('referred_b', 0), ('court', 0), ('court', 1))


# --------------------------------------------------------------------------- bodies of the POSTs

def _version(world, model, row_id):
    with world.app.app_context():
        version = _db.session.scalar(sa.select(model.version).where(model.id == row_id))
        _db.session.remove()
    return version


def _stage_version(world, target):
    from mediation.models import Stage
    return _version(world, Stage, target.stage.id)


def _local(moment):
    return china_time(moment).strftime('%Y-%m-%d %H:%M')


def session_body(world, target, allowed):
    return {'held_at': _local(at(5)), 'place': '调解室', 'mediators': '调解员', 'parties_present': '双方',
            'statements-0-party_id': str(target.case.parties[0]), 'statements-0-text': '越权写入的陈述',
            'outcome': 'adjourned'}


def investigation_body(world, target, allowed):
    return {'held_at': _local(at(5)), 'place': '现场', 'investigators': '调解员', 'subject': '邻居',
            'content': '越权写入的调查'}


def evidence_body(world, target, allowed):
    return {'evidence_kind': 'photo', 'title': '越权上传', 'file': (io.BytesIO(png(40)), 'x.png')}


def performance_body(world, target, allowed):
    return {'term_no': '1', 'status': 'breached', 'checked_on': china_time(at(5)).date().isoformat(),
            'note': '越权登记'}


def follow_up_body(world, target, allowed):
    return {'visited_on': china_time(at(5)).date().isoformat(), 'method': 'phone', 'visitors': '调解员',
            'person_visited': '当事人', 'situation': '越权回访'}


def note_body(world, target, allowed):
    return {'text': '越权备注'}


def new_record(body):
    """Refused: a complete form (it would be saved if the check were missing). Allowed: an empty one, which the
    form refuses beside its fields (422) — past the access check, nothing stored."""
    return lambda world, target, allowed: {} if allowed else body(world, target, allowed)


def edit_record(body, model):
    """A complete correction: the current version when refused, a stale one (409, nothing stored) when allowed."""
    def make(world, target, allowed):
        version = _version(world, model, target.values['record_id'])
        return dict(body(world, target, allowed), version=str(version + (1000 if allowed else 0)))
    return make


def transition_body(world, target, allowed):
    version = _stage_version(world, target)
    return {'trigger': target.extra['trigger'], 'version': str(version + (1000 if allowed else 0)),
            'reason': '越权操作', 'consent': 'y'}


def agreement_body(world, target, allowed):
    applicant, respondent = target.case.parties
    return {'version': '1000' if allowed else '0', 'kind': 'written', 'facts': '越权起草', 'disputes': '争议',
            'parties-0-party_id': str(applicant), 'parties-0-role': 'applicant', 'parties-0-kind': 'person',
            'parties-0-name': '当事人', 'parties-1-party_id': str(respondent), 'parties-1-role': 'respondent',
            'parties-1-kind': 'organisation', 'parties-1-name': '公司', 'responsibility': '责任',
            'terms-0-content': '赔偿', 'terms-0-manner': '转账', 'terms-0-place': '村委会', 'terms-0-deadline': '十日内',
            'mediator': '调解员'}


def signature_body(world, target, allowed):
    import base64
    image = 'not-an-image' if allowed else 'data:image/png;base64,' + base64.b64encode(signature_png()).decode()
    return {'slot': 'party:0', 'image': image}


def scan_body(world, target, allowed):
    return {} if allowed else {'slots': ['party:0', 'party:1'], 'scan': (io.BytesIO(png(41)), 'scan.png')}


def seal_body(world, target, allowed):
    return {'version': str(_stage_version(world, target) + (1000 if allowed else 0))}


def intake_body(world, target, allowed):
    if allowed:
        return {}
    return {'title': '越权登记', 'category_id': str(world.category), 'source': 'party_application',
            'facts': '越权', 'people_involved': '2', 'parties-0-role': 'applicant', 'parties-0-kind': 'person',
            'parties-0-name': '某甲', 'parties-1-role': 'respondent', 'parties-1-kind': 'person',
            'parties-1-name': '某乙'}


def delegation_body(world, target, allowed):
    """Refused: a complete delegation; allowed (the court's officer): an empty form (422, nothing stored)."""
    if allowed:
        return {}
    return {'kind': 'court_delegated', 'court_case_number': '（2026）浙0681民诉前调999号',
            'committee_id': str(world.org_ids['village_a1']), 'title': '越权委派', 'category_id': str(world.category),
            'parties-0-role': 'applicant', 'parties-0-kind': 'person', 'parties-0-name': '某甲',
            'parties-1-role': 'respondent', 'parties-1-kind': 'person', 'parties-1-name': '某乙'}


def roster_targets(world):
    return [Target('-', values={'court_id': world.org_ids['court']})]


def roster_body(world, target, allowed):
    """Refused: a committee put on the roster; allowed: a court named as the committee (refused, nothing stored)."""
    return {'committee_id': str(world.org_ids['court' if allowed else 'village_b1']), 'active': '1'}


def admin_body(fields):
    """Refused: a complete form; allowed (the administrator): an empty one (422, nothing stored)."""
    return lambda world, target, allowed: {} if allowed else dict(fields)


# --------------------------------------------------------------------------- the routes

@dataclass(frozen=True)
class Route:
    expect: Callable
    targets: Callable = no_case
    body: Optional[Callable] = None  # POST: (world, target, allowed) → form data


RECORDS = {
    # the court's own stage keeps notes only: the mediation's records are the committees' (docs/court.md)
    'sessions': (MEDIATING, session_body), 'investigations': (MEDIATING, investigation_body),
    'evidence': (MEDIATING + AGREED, evidence_body), 'notes': (EVERY_STAGE, note_body),
}
STAGE = '/cases/<int:case_id>/stages/<int:stage_id>'


def _routes():
    from mediation.models import FollowUpVisit
    from mediation.models import Investigation
    from mediation.models import MediationSession
    routes = {
        ('/', 'GET'): Route(everyone(200)),
        ('/deadlines', 'GET'): Route(everyone(200)),
        ('/deadline-calculator', 'GET'): Route(everyone(200)),
        ('/notices', 'GET'): Route(everyone(200)),
        ('/notices/<int:notice_id>/read', 'POST'): Route(notice_owner, notice_targets, lambda *a: {}),
        ('/notices/read-all', 'POST'): Route(everyone(302), body=lambda *a: {}),
        ('/supervision', 'GET'): Route(only(SUPERVISES, 200)),
        # statistics (issue 14): every role but the court's, each for its own jurisdiction
        ('/statistics/', 'GET'): Route(only(set(ROLES) - {'court'}, 200)),
        ('/statistics/export.xlsx', 'GET'): Route(only(set(ROLES) - {'court'}, 200)),
        ('/statistics/export.csv', 'GET'): Route(only(set(ROLES) - {'court'}, 200)),
        ('/cases/', 'GET'): Route(everyone(200)),
        ('/cases/', 'POST'): Route(everyone(302), body=lambda *a: {'q': '当事人'}),
        ('/cases/export.csv', 'GET'): Route(everyone(200)),
        ('/cases/new', 'GET'): Route(only(REGISTERS, 200)),
        ('/cases/new', 'POST'): Route(only(REGISTERS, 422), body=intake_body),
        ('/cases/<int:case_id>', 'GET'): Route(reader(200), cases_(*ALL_CASES)),
        ('/cases/code/<code>', 'GET'): Route(reader(302), cases_(*ALL_CASES)),
        ('/cases/<int:case_id>/reveal', 'POST'): Route(handler(200), cases_(*ALL_CASES), lambda *a: {}),
        # the parties' consent that the court may see the transcripts: an empty account is refused (422)
        ('/cases/<int:case_id>/disclose-records', 'POST'): Route(
            committee_handler(422), cases_(*ALL_CASES), lambda world, target, allowed: {
                'reason': '' if allowed else '越权记录的同意'}),
        # the court officer's pages (issue 13)
        ('/court/', 'GET'): Route(only({'court'}, 200)),
        ('/court/sent', 'GET'): Route(only({'court'}, 200)),
        ('/court/delegate', 'GET'): Route(only({'court'}, 200)),
        ('/court/delegate', 'POST'): Route(only({'court'}, 422), body=delegation_body),
        # the court's blueprint is the court's alone (403); then the package's own rule: its handlers only
        ('/court/cases/<int:case_id>/package', 'GET'): Route(
            lambda role, target: handler(200)(role, target) if role == 'court' else 403, cases_(*ALL_CASES)),
        # a closing report is found only among the court's own returned cases (tests/test_court.py): none here
        ('/court/reports/<int:event_id>', 'GET'): Route(
            lambda role, target: 404 if role == 'court' else 403,
            lambda world: [Target('-', values={'event_id': 2_000_000_000})]),
        ('/admin/courts/<int:court_id>/roster', 'GET'): Route(only({'admin'}, 200), roster_targets),
        ('/admin/courts/<int:court_id>/roster', 'POST'): Route(only({'admin'}, 302), roster_targets, roster_body),
        ('/cases/<int:case_id>/evidence/<token>', 'GET'): Route(reader(200), evidence_(
            'mediating_a', 'referred_a', 'mediating_b', 'referred_b', 'court', 'delegated', 'at_district', 'far')),
        ('/cases/<int:case_id>/documents/<kind>', 'GET'): Route(documents, lambda world: [
            Target(t.label, t.case, None, dict(t.values, kind='registration'))
            for t in cases_('mediating_a', 'referred_a', 'mediating_b', 'court', 'delegated', 'at_district',
                            'far')(world)]),
        (f'{STAGE}/transition', 'POST'): Route(actor(409, court_too=True), stages_(
            ('mediating_a', 0), ('agreed_a', 0), ('referred_a', 0), ('referred_a', 1), ('mediating_b', 0),
            ('referred_b', 1), ('court', 0), ('court', 1), ('delegated', 0), ('at_district', 0), ('far', 0),
            **{'mediating_a[0]': 'record_failure', 'agreed_a[0]': 'close', 'referred_a[0]': 'close',
               'referred_a[1]': 'reopen_drafting', 'mediating_b[0]': 'record_failure',
               'referred_b[1]': 'reopen_drafting', 'court[0]': 'close', 'court[1]': 'accept',
               'delegated[0]': 'return_to_court', 'at_district[0]': 'record_failure', 'far[0]': 'record_failure'}),
            transition_body),
        (f'{STAGE}/agreement', 'GET'): Route(handler(200), stages_(*MEDIATING, *AGREED)),
        (f'{STAGE}/agreement', 'POST'): Route(actor(409), stages_(
            ('mediating_a', 0), ('mediating_b', 0), ('delegated', 0), ('at_district', 0), ('far', 0)), agreement_body),
        (f'{STAGE}/agreement/preview', 'GET'): Route(handler(200), stages_(*AGREED, *SIGNING)),
        (f'{STAGE}/agreement/sign', 'GET'): Route(handler(200), stages_(*SIGNING)),
        (f'{STAGE}/agreement/signatures', 'POST'): Route(actor(302), stages_(*SIGNING), signature_body),
        (f'{STAGE}/agreement/scan', 'POST'): Route(actor(422), stages_(*SIGNING), scan_body),
        (f'{STAGE}/agreement/seal', 'POST'): Route(actor(409), stages_(*SIGNING), seal_body),
        (f'{STAGE}/performance', 'GET'): Route(actor(200), stages_(*AGREED)),
        (f'{STAGE}/performance', 'POST'): Route(actor(422), stages_(*AGREED), new_record(performance_body)),
        (f'{STAGE}/follow-ups/new', 'GET'): Route(actor(200), stages_(*AGREED)),
        (f'{STAGE}/follow-ups/new', 'POST'): Route(actor(422), stages_(*AGREED), new_record(follow_up_body)),
    }
    for kind, (pairs, body) in RECORDS.items():
        routes[(f'{STAGE}/{kind}/new', 'GET')] = Route(actor(200), stages_(*pairs))
        routes[(f'{STAGE}/{kind}/new', 'POST')] = Route(actor(422), stages_(*pairs), new_record(body))
    for kind, record, model, pairs, body in (
            ('sessions', 'session', MediationSession, MEDIATING[:4] + MEDIATING[5:], session_body),
            ('investigations', 'investigation', Investigation, MEDIATING[:4] + MEDIATING[5:], investigation_body),
            ('follow-ups', 'follow_up', FollowUpVisit, AGREED, follow_up_body)):
        routes[(f'{STAGE}/{kind}/<int:record_id>', 'GET')] = Route(actor(200), stages_(*pairs, record=record))
        routes[(f'{STAGE}/{kind}/<int:record_id>', 'POST')] = Route(
            actor(409), stages_(*pairs, record=record), edit_record(body, model))
    admin = only({'admin'}, 200)
    for rule in ('/admin/organisations', '/admin/organisations/new', '/admin/organisations/<int:org_id>/edit',
                 '/admin/users', '/admin/users/new', '/admin/users/<int:user_id>/edit', '/admin/sign-in-failures',
                 '/admin/calendar'):
        routes[(rule, 'GET')] = Route(admin, admin_targets)
    posts = {
        '/admin/organisations/new': {'kind': 'village', 'name': '新村', 'committee_name': '新村人民调解委员会',
                                     'short_name': '新', 'code': 'NEW-1'},
        '/admin/organisations/<int:org_id>/edit': {'name': '改名村', 'committee_name': '改名村人民调解委员会',
                                                   'short_name': '改', 'code': 'FQ-FY', 'active': 'y'},
        '/admin/users/new': {'username': 'intruder', 'display_name': '入侵者', 'password': 'longpassword123',
                             'confirm': 'longpassword123', 'role': 'admin'},
        '/admin/users/<int:user_id>/edit': {'display_name': '改名', 'role': 'admin', 'active': 'y'},
        '/admin/calendar/day': {'day': '2027-05-06', 'kind': 'holiday', 'name': '越权假日'},
        '/admin/calendar/day/remove': {'day': '2026-10-01'},
        '/admin/calendar/load': {'year': '2026'},
        '/admin/calendar/notice': {'text': '2027-05-06 放假'},
    }
    for rule, fields in posts.items():
        routes[(rule, 'POST')] = Route(only({'admin'}, 422), admin_targets, admin_body(fields))
    routes[('/admin/users/<int:user_id>/unlock', 'POST')] = Route(only({'admin'}, 302), admin_targets,
                                                                  lambda *a: {})
    return routes


ROUTES = _routes()
#: Outside the matrix: the JSON API (tests/test_api.py), the public verification page, signing in and out, the
#: language switch, static files.
UNCLASSIFIED = ('/static', '/api/v1/', '/verify', '/login', '/logout', '/locale/')
#: The answers that show full ID numbers or phones (to the case's handlers), and the event each view is logged as.
LOGGED_VIEWS = {('/cases/<int:case_id>/reveal', 'POST'): 'pii_viewed',
                (f'{STAGE}/agreement/preview', 'GET'): 'document_opened',
                ('/cases/<int:case_id>/documents/<kind>', 'GET'): 'document_opened'}


def fill(rule: str, values: dict) -> str:
    return re.sub(r'<(?:\w+:)?(\w+)>', lambda match: str(values[match.group(1)]), rule)


# --------------------------------------------------------------------------- checks every answer gets

def leaks(role, text: str, world) -> list[str]:
    """Full ID numbers and phones on any page or export, and addresses of cases the user does not handle."""
    found = []
    for n, pii in PII.items():
        found += [value for value in (pii.id_number, pii.phone, pii.company_phone) if value in text]
        if not handles(role, world.cases[PARTIES_OF[n]]):
            found += [tail for tail in pii.tails if tail in text]
    return found


def main_of(response) -> str:
    """The page's own content (a message flashed by an earlier request left out)."""
    text = response.get_data(as_text=True)
    main = text.split('<main>', 1)[-1].split('</main>', 1)[0]
    return re.sub(r'<div class="flash [^"]*" role="alert">.*?</div>', '', main, flags=re.S)


def stored(world) -> tuple:
    """Everything stored: the database (sign-in bookkeeping aside) and the storage folder's files."""
    with world.app.app_context():
        digest = stored_digest()
        _db.session.remove()
    return digest, sorted(str(path.relative_to(world.storage)) for path in world.storage.rglob('*') if path.is_file())


def _post(client, url, data):
    multipart = any(isinstance(value, tuple) for value in data.values())
    return client.post(url, data=data, content_type='multipart/form-data' if multipart else None)


# --------------------------------------------------------------------------- the tests

def test_every_page_route_is_classified(app):
    found = {(rule.rule, method) for rule in app.url_map.iter_rules()
             for method in rule.methods - {'HEAD', 'OPTIONS'} if not rule.rule.startswith(UNCLASSIFIED)}
    assert sorted(found - set(ROUTES)) == [], 'routes the access matrix does not classify: add them to ROUTES'
    assert sorted(set(ROUTES) - found) == [], 'ROUTES names routes the app no longer has'


def test_the_world_puts_every_role_inside_and_outside(world):
    for role in ROLES:
        seen = [key for key, case in world.cases.items() if reads(role, case)]
        assert seen and len(seen) < len(world.cases), (role, seen)
    # each case route is asked about a case some role reads and some role does not
    for (rule, method), route in ROUTES.items():
        if '<int:case_id>' in rule:
            answers = {route.expect(role, target) for target in route.targets(world) for role in ROLES}
            assert 404 in answers and answers - {403, 404}, (rule, method, answers)
    states = {key: [stage.state for stage in case.stages] for key, case in world.cases.items()}
    assert states == {
        'mediating_a': ['mediating'], 'agreed_a': ['agreed'], 'referred_a': ['referred_up', 'agreement_pending'],
        'mediating_b': ['mediating'], 'agreed_b': ['agreed'], 'referred_b': ['referred_up', 'agreement_pending'],
        'court': ['with_court', 'pending_acceptance'], 'delegated': ['mediating'], 'at_district': ['mediating'],
        'far': ['mediating']}
    assert [(stage.committee, stage.court) for stage in world.cases['court'].stages] == [
        ('village_a2', 'court'), ('court', 'court')]
    assert [(stage.committee, stage.court) for stage in world.cases['delegated'].stages] == [('village_a1', 'court')]


@pytest.mark.parametrize('rule, method', sorted(ROUTES), ids=[f'{method} {rule}' for rule, method in sorted(ROUTES)])
def test_route(world, clients, rule, method):
    route, logged_as = ROUTES[(rule, method)], LOGGED_VIEWS.get((rule, method))
    problems = []
    for target in route.targets(world):
        url = fill(rule, target.values)
        for role in ROLES:
            expected = route.expect(role, target)
            client = clients[role]
            where = f'{role} on {target.label} ({method} {url})'
            logged = len(_events(world, logged_as, world.user_ids[role])) if logged_as else 0
            if method == 'GET':
                response = client.get(url)
            else:
                allowed = expected not in (403, 404)
                before = None if allowed else stored(world)
                response = _post(client, url, route.body(world, target, allowed))
                if before is not None and stored(world) != before:
                    problems.append(f'{where}: refused ({response.status_code}) but stored something')
            if response.status_code != expected:
                problems.append(f'{where}: expected {expected}, got {response.status_code}')
            if logged_as:
                views = len(_events(world, logged_as, world.user_ids[role])) - logged
                if views != (1 if response.status_code == 200 else 0):
                    problems.append(f'{where}: {views} {logged_as} events logged')
            if response.mimetype in ('text/html', 'text/csv'):
                leaked = leaks(role, response.get_data(as_text=True), world)
                if leaked and not (logged_as and expected == 200):
                    problems.append(f'{where}: shows {leaked}')
            owner = target.values.get('owner', HOME[role])
            outside = not reads(role, target.case) if target.case else HOME[role] != owner
            if outside and response.status_code == 404:
                # probing tells nothing: the same answer as for a case (or notice) that does not exist
                missing = fill(rule, dict(target.values, case_id=2_000_000_000, notice_id=2_000_000_000))
                probe = client.get(missing) if method == 'GET' else _post(
                    client, missing, route.body(world, target, False))
                if probe.status_code != 404 or main_of(probe) != main_of(response):
                    problems.append(f'{where}: its 404 differs from that of a missing one')
    assert not problems, '\n'.join(problems)


# --------------------------------------------------------------------------- masked fields

def test_lists_exports_and_supervision_mask_identifiers(app, world, clients):
    pii = PII[1]  # the parties of mediating_a, which village A1 handles
    masked_id, masked_phone = mask_resident_id(pii.id_number), mask_phone(pii.phone)
    assert masked_id == pii.id_number[:6] + '*' * 8 + pii.id_number[-4:]
    for role in ('village', 'town', 'district', 'admin'):
        page = clients[role].get('/cases/').get_data(as_text=True)
        assert '案件1' in page and masked_phone in page and mask_phone(pii.company_phone) in page, role
        export = clients[role].get('/cases/export.csv').get_data(as_text=True)
        assert masked_id in export and masked_phone in export, role
        for text in (page, export):
            assert pii.id_number not in text and pii.phone not in text and pii.company_phone not in text, role
            assert pii.tails[0] not in text, role
    for role in ('town', 'district'):
        page = clients[role].get('/supervision').get_data(as_text=True)
        assert '枫源村' in page and not leaks('admin', page, world), role
    court_export = clients['court'].get('/cases/export.csv').get_data(as_text=True)
    assert mask_resident_id(PII[21].id_number) in court_export and PII[21].id_number not in court_export
    assert '案件1,' not in court_export  # not connected to the court


def _events(world, kind, actor_id=None) -> list:
    """(actor id, case id) of the events of ``kind`` (by ``actor_id``), oldest first."""
    from mediation.models import Event
    query = sa.select(Event.actor_id, Event.case_id).where(Event.kind == kind).order_by(Event.id)
    if actor_id is not None:
        query = query.where(Event.actor_id == actor_id)
    with world.app.app_context():
        found = [tuple(row) for row in _db.session.execute(query)]
        _db.session.remove()
    return found


def test_the_case_page_is_masked_until_a_handler_reveals_and_the_reveal_is_logged(app, world, clients):
    case, pii = world.cases['referred_a'], PII[3]  # handled by village A1 (first) and town A (now)
    url = f'/cases/{case.id}'
    masked = (mask_resident_id(pii.id_number), mask_phone(pii.phone), mask_phone(pii.company_phone))
    for role in ('village', 'town', 'district', 'admin'):
        page = clients[role].get(url).get_data(as_text=True)
        assert all(value in page for value in masked), role
        assert pii.id_number not in page and pii.phone not in page, role
        if handles(role, case):
            assert pii.address in page and pii.company_address in page and '查看完整证件号码和电话' in page, role
        else:  # down to the village, the rest hidden
            assert '诸暨市枫桥镇枫源村……' in page and pii.tails[0] not in page and pii.tails[1] not in page, role
            assert '查看完整证件号码和电话' not in page, role
    before = _events(world, 'pii_viewed')
    for role in ('district', 'admin'):
        assert clients[role].post(f'{url}/reveal').status_code == 403
    assert _events(world, 'pii_viewed') == before
    for role in ('town', 'village'):
        page = clients[role].post(f'{url}/reveal').get_data(as_text=True)
        assert pii.id_number in page and pii.phone in page and pii.company_phone in page, role
    logged = _events(world, 'pii_viewed')[len(before):]
    assert logged == [(world.user_ids['town'], case.id), (world.user_ids['village'], case.id)]
    # the court reveals only what it handles: the case it received, not a committee's own
    assert clients['court'].post(f'/cases/{world.cases["court"].id}/reveal').status_code == 200
    assert clients['court'].post(f'{url}/reveal').status_code == 404


def test_evidence_files_go_to_the_jurisdiction_only_and_tokens_cannot_be_guessed(app, world, clients):
    case, other = world.cases['mediating_a'], world.cases['referred_a']
    token, other_token = case.records['evidence'][1], other.records['evidence'][1]
    url = f'/cases/{case.id}/evidence/{token}'
    for role in ('village', 'town', 'district', 'admin'):
        response = clients[role].get(url)
        assert response.status_code == 200 and response.data == png(1), role
        assert response.headers['Cache-Control'] == 'private, no-store', role
    for role in ('village_other', 'village_b', 'town_b', 'court'):
        assert clients[role].get(url).status_code == 404, role
    village = clients['village']  # sees both cases: a token opens only its own case's file
    assert village.get(f'/cases/{other.id}/evidence/{other_token}').data == png(3)
    for wrong in (f'/cases/{case.id}/evidence/{other_token}', f'/cases/{other.id}/evidence/{token}',
                  f'/cases/{case.id}/evidence/{token[:-1]}{"A" if token[-1] != "A" else "B"}',
                  f'/cases/{case.id}/evidence/{case.records["note"][1]}', f'/cases/{case.id}/evidence/1',
                  f'/cases/{case.id}/evidence/{"x" * 65}'):
        assert village.get(wrong).status_code == 404, wrong
    assert app.test_client().get(url).status_code == 302  # signed out: to the sign-in page
