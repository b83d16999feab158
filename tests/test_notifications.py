"""Notifications: the sweep's and the workflow's reminders, read per user, counted in the navigation,
listed newest first on their own page; worded in both languages without saying anything twice."""
import itertools
import re
from datetime import timedelta
from decimal import Decimal

import pytest
import sqlalchemy as sa

from mediation.chinatime import utcnow
from mediation.extensions import db as _db
from mediation.models import Notice
from mediation.models import NoticeRead
from mediation.services import notices
from mediation.services import notifications
from tests.conftest import csrf_token_from
from tests.factories import make_case
from tests.factories import make_user
from tests.helpers import accepted_stage
from tests.helpers import fire
from tests.helpers import sweep
from tests.helpers import utc
from workflows.enums import Clock
from workflows.enums import NoticeKind
from workflows.enums import Role
from workflows.risk import RiskFlags
from workflows.risk import assess

CJK_RUN = re.compile(r'[\u3400-\u9fff]+')


@pytest.fixture
def client(client):
    """Each request chooses its language afresh (see tests/test_i18n.py: the ``db`` fixture's app
    context would otherwise keep the first request's locale in ``g``)."""
    from flask import g
    from flask import has_app_context
    original = client.open

    def open_fresh(*args, **kwargs):
        if has_app_context():
            g.pop('_flask_babel', None)
        return original(*args, **kwargs)

    client.open = open_fresh
    return client


def _repeated_phrases(text: str, size: int = 4) -> set[str]:
    """Runs of ``size`` Chinese characters that occur more than once in ``text``."""
    grams = [run[i:i + size] for run in CJK_RUN.findall(text) for i in range(len(run) - size + 1)]
    return {gram for gram in grams if grams.count(gram) > 1}


def _repeated_words(text: str, size: int = 3) -> set[tuple]:
    words = re.findall(r'[a-z]+', text.lower())
    grams = [tuple(words[i:i + size]) for i in range(len(words) - size + 1)]
    return {gram for gram in grams if grams.count(gram) > 1}


def _colleague(users):
    return make_user('village_a1_second', Role.VILLAGE_MEDIATOR, users.village.organisation)


def _notice(organisation, stage_id, *, kind=NoticeKind.DUE_SOON, at=None, message='将于 2026-04-02 到期，请抓紧办理。',
            message_en='Due on 2026-04-02: please act on it soon.'):
    at = at or utcnow()
    notice = Notice(organisation_id=organisation.id, stage_id=stage_id, kind=kind, day=at.date(), created_at=at,
                    message=message, message_en=message_en)
    _db.session.add(notice)
    _db.session.commit()
    return notice


# --- wording -------------------------------------------------------------------------------------

FLAG_NAMES = ('mzx_risk', 'group_dispute', 'petition_risk', 'major_difficult', 'cross_area', 'abnormal_death')


@pytest.mark.parametrize('risk_level', [None, 'red', 'orange', 'yellow'])
def test_no_risk_alert_says_anything_twice(risk_level):
    """Every combination of flags: the police report once, no phrase repeated, in either language."""
    for chosen in itertools.product((False, True), repeat=len(FLAG_NAMES)):
        for people, amount in ((2, None), (30, Decimal('500000'))):
            flags = RiskFlags(**dict(zip(FLAG_NAMES, chosen)), people_involved=people, amount=amount,
                              risk_level=risk_level)
            assessment = assess(flags)
            text = notices.risk_alert_text(assessment.reasons, assessment.police_report, assessment.reasons_en)
            assert text.zh.count('公安机关') == (1 if assessment.police_report else 0), text.zh
            assert not _repeated_phrases(text.zh), (text.zh, _repeated_phrases(text.zh))
            assert text.en.isascii() and not _repeated_words(text.en), (text.en, _repeated_words(text.en))


def test_the_police_report_is_said_once_in_a_stored_alert(db, users):
    make_case(users.village, mzx_risk=True, risk_level='red', intake_level='town')
    alerts = db.session.scalars(sa.select(Notice).where(Notice.kind == NoticeKind.RISK_ALERT)).all()
    assert {n.organisation_id for n in alerts} == {users.town.organisation_id, users.district.organisation_id}
    for alert in alerts:
        assert alert.message.count('须及时报告公安机关') == 1, alert.message
        assert alert.message == ('被评估为高风险：红色风险：立即上报；有民转刑风险。'
                                 '须及时报告公安机关（人民调解法第二十五条）。')
        assert alert.message_en == ("Assessed as high risk (red risk: report upward at once; risk of turning into a "
                                    "criminal case). Report to the police promptly (People's Mediation Law, Art. 25).")


def test_every_reminder_is_worded_in_both_languages():
    from datetime import date
    for wording in (notices.due_soon_text(Clock.MEDIATION, date(2026, 4, 2)),
                    notices.due_soon_text(Clock.JC_APPLY, date(2026, 4, 2)),
                    notices.returned_to_court_text('枫源村人民调解委员会', '当事人拒绝调解'),
                    notices.returned_to_court_text('枫源村人民调解委员会', lapsed=True),
                    *(notices.lapse_text('枫源村人民调解委员会', notices.lapse_notice(clock, None)) for clock in Clock),
                    notices.lapse_text('枫源村人民调解委员会', notices.lapse_notice(Clock.MEDIATION, 'return_to_court')),
                    notices.lapse_text('枫源村人民调解委员会', notices.NEEDS_DECISION)):
        assert CJK_RUN.search(wording.zh), wording
        # English apart from the committee's name and the mediator's own words
        rest = wording.en.replace('枫源村人民调解委员会', '').replace('当事人拒绝调解', '')
        assert rest.isascii() and wording.en != wording.zh, wording


def test_the_sweep_stores_both_languages(db, users):
    stage = accepted_stage(users.village, utc(2026, 3, 2))
    sweep(utc(2026, 3, 30))
    [due_soon] = db.session.scalars(sa.select(Notice).where(Notice.stage_id == stage.id)).all()
    assert due_soon.message == '将于 2026-04-02 到期，请抓紧办理。'
    assert due_soon.message_en == 'Due on 2026-04-02: please act on it soon.'
    district_stage = accepted_stage(users.district, utc(2026, 3, 2))
    sweep(utc(2026, 4, 3))
    overdue = db.session.scalars(sa.select(Notice).where(Notice.stage_id == district_stage.id,
                                                         Notice.kind == NoticeKind.OVERDUE)).all()
    assert overdue and all(n.message_en.startswith(f'({users.district.organisation.name}) No agreement')
                           for n in overdue)


# --- read per user -------------------------------------------------------------------------------

def test_a_notice_read_by_one_mediator_is_still_unread_for_a_colleague(client, users, login, db):
    colleague = _colleague(users)
    case = make_case(users.village)
    notice = _notice(users.village.organisation, case.stages[0].id)
    assert notifications.unread_count(users.village) == notifications.unread_count(colleague) == 1
    login(users.village)
    assert client.post(f'/notices/{notice.id}/read', data={'next': '/notices'}).status_code == 302
    assert notifications.unread_count(users.village) == 0
    assert notifications.unread_count(colleague) == 1
    assert db.session.scalars(sa.select(NoticeRead.user_id)).all() == [users.village.id]
    # Reading it again changes nothing.
    assert client.post(f'/notices/{notice.id}/read').status_code == 302
    assert db.session.scalar(sa.select(sa.func.count()).select_from(NoticeRead)) == 1
    page = client.get('/notices').get_data(as_text=True)
    assert 'class="notice"' in page and 'notice unread' not in page
    client.post('/logout')
    login(colleague)
    page = client.get('/notices').get_data(as_text=True)
    assert 'class="notice unread"' in page and f'/notices/{notice.id}/read' in page


def test_the_navigation_counts_the_unread_notices(client, users, login, db):
    case = make_case(users.village)
    for days in range(3):
        _notice(users.village.organisation, case.stages[0].id, at=utcnow() - timedelta(days=days))
    login(users.village)
    nav = re.search(r'<a href="/notices"[^>]*>.*?</a>', client.get('/').get_data(as_text=True), re.S).group(0)
    assert '<span class="count" aria-hidden="true">3</span>' in nav and '提醒（3 条未读）' in nav
    assert client.post('/notices/read-all', data={'next': '/'}).status_code == 302
    nav = re.search(r'<a href="/notices"[^>]*>.*?</a>', client.get('/').get_data(as_text=True), re.S).group(0)
    assert 'class="count"' not in nav


def test_the_unread_count_is_one_query(client, users, login, db):
    case = make_case(users.village)
    _notice(users.village.organisation, case.stages[0].id)
    login(users.village)
    statements = []

    def record(conn, cursor, statement, parameters, context, executemany):
        if 'notice' in statement:
            statements.append(statement)
    sa.event.listen(db.engine, 'before_cursor_execute', record)
    try:
        client.get('/deadline-calculator')
    finally:
        sa.event.remove(db.engine, 'before_cursor_execute', record)
    assert len(statements) == 1, statements


def test_old_notices_are_history_not_unread(client, users, login, db):
    case = make_case(users.village)
    _notice(users.village.organisation, case.stages[0].id,
            at=utcnow() - timedelta(days=notifications.UNREAD_DAYS + 1))
    assert notifications.unread_count(users.village) == 0
    login(users.village)
    page = client.get('/notices').get_data(as_text=True)
    assert 'class="notice"' in page and '标为已读' not in page


def test_mark_all_read_reads_only_the_own_organisation(client, users, login, db):
    case = make_case(users.village)
    other_case = make_case(users.village_other, title='别村的纠纷')
    _notice(users.village.organisation, case.stages[0].id)
    other = _notice(users.village_other.organisation, other_case.stages[0].id)
    login(users.village)
    response = client.post('/notices/read-all', follow_redirects=True)
    assert '已将 1 条提醒标为已读。' in response.get_data(as_text=True)
    assert notifications.unread_count(users.village_other) == 1
    # Another organisation's notice can be neither read nor seen.
    assert client.post(f'/notices/{other.id}/read').status_code == 404
    assert other_case.title not in client.get('/notices').get_data(as_text=True)


def test_marking_read_needs_the_csrf_token(client, app, users, login, db):
    case = make_case(users.village)
    notice = _notice(users.village.organisation, case.stages[0].id)
    login(users.village)
    app.config['WTF_CSRF_ENABLED'] = True
    try:
        assert client.post(f'/notices/{notice.id}/read').status_code == 400
        token = csrf_token_from(client.get('/notices').get_data(as_text=True))
        assert client.post(f'/notices/{notice.id}/read', data={'csrf_token': token}).status_code == 302
    finally:
        app.config['WTF_CSRF_ENABLED'] = False
    assert notifications.unread_count(users.village) == 0


def test_the_page_lists_newest_first_links_the_case_and_pages(client, users, login, db):
    case = make_case(users.village)
    now = utcnow()
    for minutes in range(notifications.PAGE_SIZE + 5):
        _notice(users.village.organisation, case.stages[0].id, at=now - timedelta(days=minutes),
                message=f'第{minutes}条提醒')
    login(users.village)
    page = client.get('/notices').get_data(as_text=True)
    shown = re.findall(r'第(\d+)条提醒', page)
    assert shown == [str(n) for n in range(notifications.PAGE_SIZE)]
    assert f'href="/cases/{case.id}"' in page
    following = re.search(r'href="(/notices\?before=[^"]+)"', page).group(1).replace('&amp;', '&')
    rest = client.get(following).get_data(as_text=True)
    expected = [str(n) for n in range(notifications.PAGE_SIZE, notifications.PAGE_SIZE + 5)]
    assert re.findall(r'第(\d+)条提醒', rest) == expected
    # An edited cursor is the first page, not an error.
    assert client.get('/notices?before=nonsense').status_code == 200


def test_a_referral_counts_until_it_is_accepted(client, users, login, db):
    stage = accepted_stage(users.village, utc(2026, 3, 2))
    fire(stage, 'refer_up', users.village, utc(2026, 3, 5), consent=True)
    [arrival] = notifications.waiting_arrivals(users.town)
    assert (arrival.case_id, arrival.sender, arrival.is_arrival, arrival.read) == (
        stage.case_id, users.village.organisation.name, True, False)
    assert notifications.unread_count(users.town) == 1
    login(users.town)
    page = client.get('/notices').get_data(as_text=True)
    assert '等待本级受理的移交案件' in page and f'由{users.village.organisation.name}移交本级' in page
    client.post('/notices/read-all')
    assert notifications.unread_count(users.town) == 1  # a task, not a message: it waits for acceptance
    [town_stage] = [s for s in stage.case.stages if s.id != stage.id]
    fire(town_stage, 'accept', users.town, utc(2026, 3, 6))
    assert notifications.unread_count(users.town) == 0
    assert '等待本级受理的移交案件' not in client.get('/notices').get_data(as_text=True)


def test_the_dashboard_card_marks_unread_and_reads_in_place(client, users, login, db):
    case = make_case(users.village)
    notice = _notice(users.village.organisation, case.stages[0].id)
    login(users.village)
    page = client.get('/').get_data(as_text=True)
    assert 'class="notice unread"' in page and '将于 2026-04-02 到期，请抓紧办理。' in page
    assert 'href="/notices"' in page
    response = client.post(f'/notices/{notice.id}/read', data={'next': '/'})
    assert response.headers['Location'] == '/'
    # Only this site's pages: an outside address goes to the notices page.
    assert client.post(f'/notices/{notice.id}/read', data={'next': '//evil.test/'}).headers['Location'] == '/notices'


def test_english_readers_see_the_english_wording(client, users, login, db):
    case = make_case(users.village)
    _notice(users.village.organisation, case.stages[0].id)
    login(users.village)
    client.post('/locale/en', data={'next': '/'})
    page = client.get('/notices').get_data(as_text=True)
    assert 'Due on 2026-04-02: please act on it soon.' in page and '请抓紧办理' not in page
    assert 'Due soon' in page  # the notice's kind
