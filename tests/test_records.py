"""The work records (issue 12): sessions, investigations, evidence, performance, follow-up visits and notes —
the services, every form with bad input, corrections and their conflicts, who may write and read, the evidence
files, the documents they feed, the migration of old follow-up events, and the case page's fixed query count."""
import io
import re
from datetime import date

import pytest
import sqlalchemy as sa
from pypdf import PdfReader

from mediation.errors import Conflict
from mediation.errors import PermissionDenied
from mediation.errors import ValidationFailed
from mediation.extensions import db as _db
from mediation.models import Attachment
from mediation.models import CaseNote
from mediation.models import Event
from mediation.models import FollowUpVisit
from mediation.models import Investigation
from mediation.models import MediationSession
from mediation.models import PerformanceRecord
from mediation.services import agreements
from mediation.services import records
from mediation.services.records import RecordRefused
from tests.factories import make_case
from tests.helpers import accepted_stage
from tests.helpers import fire
from tests.helpers import utc
from tests.test_schema import scratch_database_url  # noqa: F401 (a fixture)
from workflows.enums import EventKind
from workflows.enums import PerformanceStatus
from workflows.states import State

# --------------------------------------------------------------------------- helpers


def png(width=40, height=30) -> bytes:
    from PIL import Image
    out = io.BytesIO()
    Image.new('RGB', (width, height), (200, 30, 30)).save(out, 'PNG')
    return out.getvalue()


def pdf_bytes() -> bytes:
    from PIL import Image
    out = io.BytesIO()
    Image.new('L', (60, 80), 240).save(out, 'PDF')
    return out.getvalue()


def pdf_text(data: bytes) -> str:
    return '\n'.join(page.extract_text() for page in PdfReader(io.BytesIO(data)).pages)


def count(model) -> int:
    return _db.session.scalar(sa.select(sa.func.count()).select_from(model))


def events_of(kind) -> list:
    return _db.session.scalars(sa.select(Event).where(Event.kind == str(kind)).order_by(Event.id)).all()


def agree_with_terms(stage, user, at, terms=3):
    """An oral agreement with ``terms`` terms, in force from ``at``."""
    data = agreements.draft_from_case(stage, user)
    for line in data.parties:
        line.sex, line.age, line.address = line.sex or '男', line.age or 40, line.address or '枫源村1组'
        line.legal_representative = line.legal_representative or '王经理'
    data.kind = 'oral'
    data.facts, data.disputes, data.responsibility = '排水沟堵塞。', '谁来疏通。', '被申请人负主要责任。'
    wording = ['2026年3月20日前', '协议生效之日起十日内', '协议生效时']
    data.terms = [agreements.TermInput(content=f'第{n}项约定的事', manner='自行履行', place='枫源村',
                                       deadline=wording[(n - 1) % 3]) for n in range(1, terms + 1)]
    agreements.save_draft(stage, user, data, now=at)
    _db.session.commit()
    return fire(stage, 'register_oral_agreement', user, at)


def session_input(stage, **overrides):
    parties = stage.case.parties
    values = dict(held_at=utc(2026, 3, 5, 9, 30), place='枫源村调解室', mediators='王调解', recorder='陈记录',
                  parties_present='张三、李四', participants='村民小组长',
                  statements=[records.StatementInput(parties[0].id, '张三陈述：排水沟被堵，雨天积水进院。'),
                              records.StatementInput(parties[1].id, '李四陈述：愿意疏通，但不同意赔偿。')],
                  facts_checked='现场查看属实。', proposal='李四疏通排水沟。', outcome='adjourned',
                  next_step='三日后再调。', next_session_on=date(2026, 3, 8))
    values.update(overrides)
    return records.SessionInput(**values)


def error_beside(page: str, name: str) -> list[str]:
    """The messages printed right after the form control named ``name`` (before the next label or button)."""
    found = re.search(rf'<(input|select|textarea)\b[^>]*\bname="{re.escape(name)}"', page)
    assert found, f'no control named {name}'
    rest = page[found.end():]
    if found.group(1) in ('select', 'textarea'):
        rest = rest[rest.index(f'</{found.group(1)}>'):]
    end = re.search(r'<label|<button|</form>', rest)
    return re.findall(r'<div class="field-error">(.*?)</div>', rest[:end.start() if end else len(rest)], re.S)


@pytest.fixture
def switch(client, login):
    """Sign out and in as another user."""
    def _switch(user):
        client.post('/logout')
        login(user)
    return _switch


@pytest.fixture
def stage(db, orgs, users):
    return accepted_stage(users.village, utc(2026, 3, 2))


@pytest.fixture
def agreed(stage, users):
    agree_with_terms(stage, users.village, utc(2026, 3, 10))
    return stage


# --------------------------------------------------------------------------- services

def test_a_session_is_stored_with_each_sides_statement_and_an_audit_event(stage, users):
    session = records.add_session(stage, users.village, session_input(stage), now=utc(2026, 3, 5, 12))
    _db.session.commit()
    assert [s['name'] for s in session.statements] == ['张三', '李四']
    assert session.statements[0]['role'] == 'applicant' and session.version == 1
    event, = events_of(EventKind.SESSION_RECORDED)
    assert event.data == {'record': 'session', 'id': session.id, 'outcome': 'adjourned'}
    assert event.stage_id == stage.id and event.actor_id == users.village.id
    assert '枫源村调解室' in event.reason and '择期继续调解' in event.reason
    assert stage.state == State.MEDIATING  # a record changes nothing in the stage
    assert stage.version == 2


def test_records_are_refused_in_the_wrong_state_with_the_reason(db, orgs, users):
    pending = make_case(users.village, now=utc(2026, 11, 30)).stages[0]
    with pytest.raises(RecordRefused) as refused:
        records.add_session(pending, users.village, session_input(pending))
    assert '当前状态为“待受理”，不能添加调解记录' in refused.value.message and '调解中' in refused.value.message
    with pytest.raises(RecordRefused, match='不能添加履行情况'):
        records.record_performance(pending, users.village, records.PerformanceInput(term_no=1, status='fulfilled'))
    # an investigation may decide the acceptance, a note is always possible
    records.add_investigation(pending, users.village, records.InvestigationInput(
        held_at=utc(2026, 12, 1), place='现场', investigators='王调解', subject='邻居', content='问答'),
        now=utc(2026, 12, 1, 10))
    records.add_note(pending, users.village, '已电话联系申请人。')


def test_a_closed_dossier_takes_no_more_records(agreed, users):
    fire(agreed, 'close', users.village, utc(2026, 4, 1))
    with pytest.raises(RecordRefused, match='已结案'):
        records.add_note(agreed, users.village, '补记')


def test_only_the_stages_own_handlers_write_records(stage, users):
    for outsider in (users.town, users.village_other, users.district, users.court, users.admin):
        with pytest.raises(PermissionDenied):
            records.add_note(stage, outsider, '越权')
    assert count(CaseNote) == 0


def test_performance_per_term_keeps_the_agreements_summary(agreed, users):
    agreement = agreements.agreement_of(agreed)
    assert agreement.performance is None

    def record(term, status, day, note=''):
        records.record_performance(agreed, users.village, records.PerformanceInput(
            term_no=term, status=status, checked_on=date(2026, 3, day), note=note), now=utc(2026, 3, day, 15))
        _db.session.commit()
        return agreement.performance, agreement.terms_fulfilled

    assert record(3, 'fulfilled', 10) == (PerformanceStatus.PARTLY, 1)
    assert record(1, 'partly', 12, '已付一半') == (PerformanceStatus.PARTLY, 1)
    assert record(2, 'breached', 21, '逾期未疏通') == (PerformanceStatus.BREACHED, 1)
    before = agreement.version
    urging = records.record_performance(agreed, users.village, records.PerformanceInput(
        term_no=2, status=records.URGED, checked_on=date(2026, 3, 22), note='电话督促，答应月底前疏通'),
        now=utc(2026, 3, 22, 15))
    _db.session.commit()
    assert urging.urged and urging.status is None and agreement.version == before  # an urging changes no status
    assert record(2, 'fulfilled', 28) == (PerformanceStatus.PARTLY, 2)
    assert record(1, 'fulfilled', 29) == (PerformanceStatus.FULFILLED, 3)
    kinds = [event.kind for event in _db.session.scalars(sa.select(Event).where(Event.kind.like('performance%')))]
    assert kinds.count('performance_recorded') == 5 and kinds.count('performance_urged') == 1
    last = events_of(EventKind.PERFORMANCE_RECORDED)[-1]
    assert last.data['performance'] == 'fulfilled' and last.data['fulfilled'] == 3 and last.data['terms'] == 3

    table = records.performance_table(agreed, agreement, records.stage_records(agreed, PerformanceRecord))
    assert [term.status for term in table.terms] == [PerformanceStatus.FULFILLED] * 3
    assert table.terms[1].urgings == [urging] and len(table.terms[1].history) == 2
    # due dates from the agreement's words: a date, "十日内" from taking effect, "生效时"
    assert [term.due_on for term in table.terms] == [date(2026, 3, 20), date(2026, 3, 20), date(2026, 3, 10)]


def test_performance_checks_the_term_and_the_dates(agreed, users):
    def refused(**given):
        data = dict(term_no=1, status='fulfilled', checked_on=date(2026, 3, 12))
        data.update(given)
        with pytest.raises(ValidationFailed) as error:
            records.record_performance(agreed, users.village, records.PerformanceInput(**data))
        return error.value.details['field'], error.value.message

    assert refused(term_no=4) == ('term_no', '请选择协议条款（第 1 至 3 项）。')
    assert refused(status='maybe') == ('status', '请选择履行情况。')
    assert refused(checked_on=date(2026, 3, 9))[0] == 'checked_on'
    assert refused(due_on=date(2026, 3, 1))[0] == 'due_on'
    assert refused(status=records.URGED) == ('note', '请填写督促的方式和当事人的答复。')
    assert refused(status='breached')[0] == 'note'


@pytest.mark.parametrize('deadline, expected', [
    ('2026年3月20日前', date(2026, 3, 20)), ('2026.4.1', date(2026, 4, 1)), ('协议生效之日起十五日内', date(2026, 3, 25)),
    ('30天内', date(2026, 4, 9)), ('协议生效时', date(2026, 3, 10)), ('双方另行商定', None), ('2026年2月30日', None),
])
def test_due_dates_are_read_from_the_agreements_words(deadline, expected):
    assert records.due_date_from(deadline, date(2026, 3, 10)) == expected


def test_a_correction_keeps_what_it_replaced_and_a_stale_one_is_a_conflict(stage, users):
    session = records.add_session(stage, users.village, session_input(stage), now=utc(2026, 3, 5, 12))
    _db.session.commit()
    records.correct_session(session, users.village, session_input(stage, place='村委会二楼'), expected_version=1,
                            now=utc(2026, 3, 6))
    _db.session.commit()
    assert session.place == '村委会二楼' and session.version == 2 and session.updated_at == utc(2026, 3, 6)
    corrected, = events_of(EventKind.RECORD_CORRECTED)
    assert corrected.data['changed'] == ['place'] and corrected.data['before'] == {'place': '枫源村调解室'}
    assert corrected.data['record'] == 'session' and corrected.data['id'] == session.id
    with pytest.raises(Conflict):
        records.correct_session(session, users.village, session_input(stage, place='又改了'), expected_version=1)
    _db.session.rollback()
    assert session.place == '村委会二楼'
    # nothing changed: nothing written
    records.correct_session(session, users.village, session_input(stage, place='村委会二楼'), expected_version=2)
    assert len(events_of(EventKind.RECORD_CORRECTED)) == 1 and session.version == 2


def _upload(stage, user, data, filename='photo.png'):
    return records.add_evidence(stage, user, records.EvidenceInput(
        evidence_kind='photo', title='现场照片', filename=filename, data=data))


@pytest.mark.parametrize('data, content_type', [
    (b'%PDF-1.4\n1 0 obj\n<<>>\nendobj\ntrailer\n<<>>\n%%EOF\n', 'application/pdf'),
    (b'ID3\x03\x00\x00\x00\x00\x00\x00' + b'\x00' * 64, 'audio/mpeg'),
    (b'\xff\xfb\x90\x64' + b'\x00' * 64, 'audio/mpeg'),
    (b'\x00\x00\x00\x20ftypisom\x00\x00\x02\x00isomiso2mp41' + b'\x00' * 40, 'video/mp4'),
    (b'\x00\x00\x00\x20ftypM4A \x00\x00\x00\x00M4A mp42isom' + b'\x00' * 40, 'audio/mp4'),
    ('回访时当事人说：已经付清。\n'.encode(), 'text/plain; charset=utf-8'),
    ('回访时当事人说：已经付清。\r\n'.encode('gb18030'), 'text/plain; charset=gb18030'),
])
def test_files_are_typed_by_their_bytes(app_ctx, data, content_type):
    assert records.sniff(data) == content_type


def test_images_are_typed_and_checked_by_their_bytes(app_ctx):
    from PIL import Image
    out = io.BytesIO()
    Image.new('RGB', (10, 10)).save(out, 'JPEG')
    assert records.sniff(out.getvalue()) == 'image/jpeg' and records.sniff(png()) == 'image/png'


@pytest.mark.parametrize('data, says', [
    (b'', '没有收到文件'), (b'MZ\x90\x00\x03\x00\x00\x00\x04\x00', '不支持这种文件'),
    (b'PK\x03\x04\x14\x00\x00\x00', '不支持这种文件'), (b'%PDF-1.7 cut off', 'PDF 文件不完整'),
    (b'\x89PNG\r\n\x1a\n' + b'\x00' * 40, '图片文件已损坏'), (b'\x00\x00\x00\x20ftypheic', '不支持这种文件'),
])
def test_other_files_are_refused(app_ctx, data, says):
    with pytest.raises(ValidationFailed) as refused:
        records.sniff(data)
    assert says in refused.value.message and refused.value.details['field'] == 'file'


def test_a_file_over_the_limit_is_refused_with_the_limit(app, app_ctx, monkeypatch):
    monkeypatch.setitem(app.config, 'MAX_UPLOAD_BYTES', 2 * 1024 * 1024)
    with pytest.raises(ValidationFailed) as refused:
        records.sniff(b'x' * (3 * 1024 * 1024 + 512 * 1024))
    assert '文件过大：不能超过 2 MB（这个文件约 3.5 MB）' in refused.value.message


@pytest.mark.parametrize('given, content_type, served', [
    ('现场.PNG', 'image/png', '现场.PNG'), ('../../etc/passwd', 'text/plain; charset=utf-8', 'passwd.txt'),
    ('C:\\Users\\张三\\收条.jpeg', 'image/jpeg', '收条.jpeg'), ('evil.html', 'text/plain; charset=utf-8', 'evil.html.txt'),
    ('', 'application/pdf', '证据材料.pdf'), ('a"b\x07.pdf', 'application/pdf', 'ab.pdf'),
])
def test_the_download_name_is_plain_and_matches_the_type(given, content_type, served):
    assert records.download_name(given, content_type) == served


def test_evidence_is_stored_once_by_hash_with_an_unguessable_token(stage, users):
    first = _upload(stage, users.village, png())
    second = _upload(stage, users.village, png(), filename='again.png')
    _db.session.commit()
    assert first.file_sha256 == second.file_sha256 and first.token != second.token
    assert len(first.token) == 32 and first.content_type == 'image/png'
    assert first.size == len(png())
    event = events_of(EventKind.EVIDENCE_ADDED)[0]
    assert event.data['record'] == 'evidence' and event.data['sha256'] == first.file_sha256
    from mediation.services import storage
    assert storage.read(first.file_sha256) == png()


def test_evidence_may_name_the_session_it_came_from_only_of_its_own_stage(stage, users, orgs):
    session = records.add_session(stage, users.village, session_input(stage), now=utc(2026, 3, 5, 12))
    other = accepted_stage(users.village_b, utc(2026, 3, 2))
    foreign = records.add_session(other, users.village_b, session_input(other), now=utc(2026, 3, 5, 12))
    attachment = records.add_evidence(stage, users.village, records.EvidenceInput(
        evidence_kind='document', title='收条', filename='r.pdf', data=pdf_bytes(), session_id=session.id))
    assert attachment.session_id == session.id
    with pytest.raises(ValidationFailed, match='不属于本阶段'):
        records.add_evidence(stage, users.village, records.EvidenceInput(
            evidence_kind='document', title='收条', filename='r.pdf', data=pdf_bytes(), session_id=foreign.id))


# --------------------------------------------------------------------------- forms: bad input for every field

def _session_form(stage, **overrides):
    parties = stage.case.parties
    data = {'held_at': '2026-03-05T09:30', 'place': '枫源村调解室', 'mediators': '王调解', 'recorder': '陈记录',
            'parties_present': '张三、李四', 'participants': '村民小组长',
            'statements-0-party_id': str(parties[0].id), 'statements-0-text': '张三陈述排水沟被堵',
            'statements-1-party_id': str(parties[1].id), 'statements-1-text': '李四陈述愿意疏通',
            'facts_checked': '现场查看属实', 'proposal': '李四疏通排水沟', 'outcome': 'adjourned',
            'next_step': '三日后再调', 'next_session_on': '2026-03-08'}
    data.update(overrides)
    return data


def _investigation_form(**overrides):
    data = {'held_at': '2026-03-04T15:00', 'place': '枫源村3组', 'investigators': '王调解', 'recorder': '陈记录',
            'subject': '王建国', 'subject_details': '村民小组长', 'content': '问：你看到了什么？答：积水倒灌。'}
    data.update(overrides)
    return data


def _evidence_form(**overrides):
    data = {'evidence_kind': 'photo', 'title': '现场照片', 'provided_by': '申请人张三', 'description': '积水情况',
            'session_id': '', 'investigation_id': ''}
    data.update(overrides)
    if 'file' not in data:
        data['file'] = (io.BytesIO(png()), 'photo.png')
    elif data['file'] is None:
        del data['file']
    return data


def _performance_form(**overrides):
    data = {'term_no': '1', 'status': 'partly', 'due_on': '2026-03-20', 'checked_on': '2026-03-15',
            'note': '已付一半'}
    data.update(overrides)
    return data


def _follow_up_form(**overrides):
    data = {'visited_on': '2026-04-01', 'method': 'phone', 'visitors': '王调解', 'person_visited': '张三',
            'performance': 'partly', 'satisfaction': 'fairly', 'situation': '已付一半，关系缓和',
            'court_action': '未起诉', 'risks': '无'}
    data.update(overrides)
    return data


LONG = '长' * 10001

SESSION_CASES = [
    ('held_at', '', '请填写调解时间。'), ('held_at', '下周三', '请输入有效的日期和时间'),
    ('held_at', '2099-03-05T09:30', '时间不能晚于现在。'), ('held_at', '2026-03-01T09:30', '时间不能早于本阶段收到纠纷的日期'),
    ('place', '', '请填写调解地点。'), ('place', LONG[:201], '不能超过 200 字'),
    ('mediators', '', '请填写参加调解的人民调解员。'), ('mediators', LONG[:201], '不能超过 200 字'),
    ('recorder', LONG[:65], '不能超过 64 字'),
    ('parties_present', '', '请填写到场的当事人。'), ('parties_present', LONG[:501], '不能超过 500 字'),
    ('participants', LONG[:501], '不能超过 500 字'),
    ('statements-0-text', LONG[:5001], '不能超过 5000 字'),
    ('facts_checked', LONG[:5001], '不能超过 5000 字'), ('proposal', LONG[:5001], '不能超过 5000 字'),
    ('outcome', '', '请选择调解结果。'), ('outcome', 'won', '请从列表中选择。'),
    ('next_step', LONG[:2001], '不能超过 2000 字'),
    ('next_session_on', '下周', '请输入有效日期'), ('next_session_on', '2026-03-04', '下次调解日期不能早于本次调解。'),
]


def _assert_kept(page, data, skip):
    for name, value in data.items():
        if name == skip or name.endswith('party_id') or not isinstance(value, str) or not value:
            continue
        shown = value.replace('T', ' ') if name == 'held_at' else value
        assert (f'value="{value}"' in page or f'>{value}</textarea>' in page or f'\n{value}</textarea>' in page
                or f'value="{shown}"' in page or f'<option selected value="{value}"' in page
                or f'value="{value}" selected' in page or re.search(rf'<option[^>]*selected[^>]*value="{value}"', page)
                or re.search(rf'<option[^>]*value="{value}"[^>]*selected', page)), (name, value)


@pytest.mark.parametrize('name, value, says', SESSION_CASES)
def test_the_session_form_says_what_is_wrong_beside_the_field(stage, users, client, login, name, value, says):
    login(users.village)
    data = _session_form(stage, **{name: value})
    response = client.post(f'/cases/{stage.case_id}/stages/{stage.id}/sessions/new', data=data)
    page = response.get_data(as_text=True)
    assert response.status_code == 422
    assert any(says in message for message in error_beside(page, name)), error_beside(page, name)
    _assert_kept(page, data, name)
    assert count(MediationSession) == 0 and not events_of(EventKind.SESSION_RECORDED)


def test_the_session_form_needs_one_statement_and_names_each_box_after_its_party(stage, users, client, login):
    login(users.village)
    url = f'/cases/{stage.case_id}/stages/{stage.id}/sessions/new'
    page = client.get(url).get_data(as_text=True)
    assert '申请人 张三 的陈述' in page and '被申请人 李四 的陈述' in page
    assert 'value="张三、李四"' in page and 'value="枫源村人民调解委员会调解室"' in page
    response = client.post(url, data=_session_form(stage, **{'statements-0-text': '', 'statements-1-text': ''}))
    assert response.status_code == 422
    assert '请至少填写一方当事人的陈述。' in error_beside(response.get_data(as_text=True), 'statements-0-text')
    other = make_case(users.village_b)
    response = client.post(url, data=_session_form(stage, **{'statements-1-party_id': str(other.parties[0].id)}))
    assert response.status_code == 422
    assert any('不是本案当事人' in m for m in error_beside(response.get_data(as_text=True), 'statements-1-text'))
    assert count(MediationSession) == 0


def test_a_session_saved_from_the_form_appears_on_the_case_page_and_in_the_history(stage, users, client, login):
    login(users.village)
    response = client.post(f'/cases/{stage.case_id}/stages/{stage.id}/sessions/new', data=_session_form(stage))
    session = _db.session.scalar(sa.select(MediationSession))
    assert response.status_code == 302 and response.headers['Location'].endswith(f'#session-{session.id}')
    assert session.held_at == utc(2026, 3, 5, 9, 30)  # typed in Beijing time, stored in UTC
    page = client.get(f'/cases/{stage.case_id}').get_data(as_text=True)
    assert f'id="session-{session.id}"' in page and '张三陈述排水沟被堵' in page
    assert f'href="#session-{session.id}"' in page  # the history links to it
    assert '调解记录已保存' in page


INVESTIGATION_CASES = [
    ('held_at', '', '请填写调查时间。'), ('held_at', '2026-13-01 09:00', '请输入有效的日期和时间'),
    ('held_at', '2099-01-01T08:00', '时间不能晚于现在。'),
    ('place', '', '请填写调查地点。'), ('place', LONG[:201], '不能超过 200 字'),
    ('investigators', '', '请填写调查人。'), ('investigators', LONG[:201], '不能超过 200 字'),
    ('recorder', LONG[:65], '不能超过 64 字'), ('subject', '', '请填写被调查人。'), ('subject', LONG[:101], '不能超过 100 字'),
    ('subject_details', LONG[:256], '不能超过 255 字'),
    ('content', '', '请填写调查内容。'), ('content', LONG, '不能超过 10000 字'),
]


@pytest.mark.parametrize('name, value, says', INVESTIGATION_CASES)
def test_the_investigation_form_says_what_is_wrong_beside_the_field(stage, users, client, login, name, value, says):
    login(users.village)
    data = _investigation_form(**{name: value})
    response = client.post(f'/cases/{stage.case_id}/stages/{stage.id}/investigations/new', data=data)
    page = response.get_data(as_text=True)
    assert response.status_code == 422
    assert any(says in message for message in error_beside(page, name)), error_beside(page, name)
    _assert_kept(page, data, name)
    assert count(Investigation) == 0 and not events_of(EventKind.INVESTIGATION_RECORDED)


EVIDENCE_CASES = [
    ('file', None, '请选择要上传的文件。'), ('file', (io.BytesIO(b'MZ\x90\x00'), 'tool.exe'), '不支持这种文件'),
    ('file', (io.BytesIO(b'%PDF-1.4 broken'), 'scan.pdf'), 'PDF 文件不完整'),
    ('file', (io.BytesIO(b''), 'empty.png'), '没有收到文件'),
    ('evidence_kind', '', '请选择证据类型。'), ('evidence_kind', 'rumour', '请从列表中选择。'),
    ('title', '', '请填写证据名称。'), ('title', LONG[:201], '不能超过 200 字'),
    ('provided_by', LONG[:101], '不能超过 100 字'), ('description', LONG[:2001], '不能超过 2000 字'),
    ('session_id', '999999', '请从列表中选择。'), ('investigation_id', '999999', '请从列表中选择。'),
]


@pytest.mark.parametrize('name, value, says', EVIDENCE_CASES)
def test_the_evidence_form_says_what_is_wrong_beside_the_field(stage, users, client, login, name, value, says):
    login(users.village)
    data = _evidence_form(**{name: value})
    response = client.post(f'/cases/{stage.case_id}/stages/{stage.id}/evidence/new', data=data,
                           content_type='multipart/form-data')
    page = response.get_data(as_text=True)
    assert response.status_code == 422
    assert any(says in message for message in error_beside(page, name)), error_beside(page, name)
    _assert_kept(page, {key: value for key, value in data.items() if key != 'file'}, name)
    assert count(Attachment) == 0 and not events_of(EventKind.EVIDENCE_ADDED)


def test_a_file_over_the_limit_is_refused_on_the_form(stage, users, client, login, app, monkeypatch):
    # (under half a megabyte: a bigger body makes the test client spool to a file it never closes)
    monkeypatch.setitem(app.config, 'MAX_UPLOAD_BYTES', 200 * 1024)
    login(users.village)
    data = _evidence_form(file=(io.BytesIO(b'x' * (300 * 1024)), 'big.txt'))
    response = client.post(f'/cases/{stage.case_id}/stages/{stage.id}/evidence/new', data=data,
                           content_type='multipart/form-data')
    assert response.status_code == 422
    assert any('文件过大：不能超过 200 KB（这个文件约 300 KB）' in message
               for message in error_beside(response.get_data(as_text=True), 'file'))
    assert count(Attachment) == 0


PERFORMANCE_CASES = [
    ('term_no', '', '请选择协议条款。'), ('term_no', '9', '请从列表中选择。'),
    ('status', '', '请选择履行情况。'), ('status', 'kinda', '请从列表中选择。'),
    ('due_on', '三月底', '请输入有效日期'), ('due_on', '2026-03-01', '履行期限不能早于协议生效日期'),
    ('checked_on', '', '请填写核实日期。'), ('checked_on', '2026-02-30', '请输入有效日期'),
    ('checked_on', '2099-01-01', '日期不能晚于今天。'), ('checked_on', '2026-03-09', '日期不能早于协议生效日期'),
    ('note', '', '未履行或部分履行的，请说明情况。'), ('note', LONG[:2001], '不能超过 2000 字'),
]


@pytest.mark.parametrize('name, value, says', PERFORMANCE_CASES)
def test_the_performance_form_says_what_is_wrong_beside_the_field(agreed, users, client, login, name, value, says):
    login(users.village)
    data = _performance_form(**{name: value})
    response = client.post(f'/cases/{agreed.case_id}/stages/{agreed.id}/performance', data=data)
    page = response.get_data(as_text=True)
    assert response.status_code == 422
    assert any(says in message for message in error_beside(page, name)), error_beside(page, name)
    _assert_kept(page, data, name)
    assert count(PerformanceRecord) == 0 and agreements.agreement_of(agreed).performance is None


def test_an_urging_needs_its_account(agreed, users, client, login):
    login(users.village)
    response = client.post(f'/cases/{agreed.case_id}/stages/{agreed.id}/performance',
                           data=_performance_form(status='urged', note=''))
    assert response.status_code == 422
    assert '请填写督促的方式和当事人的答复。' in error_beside(response.get_data(as_text=True), 'note')


def test_performance_recorded_on_the_form_shows_in_the_table_and_the_summary(agreed, users, client, login):
    login(users.village)
    url = f'/cases/{agreed.case_id}/stages/{agreed.id}/performance'
    assert client.post(url, data=_performance_form(term_no='3', status='fulfilled', note='')).status_code == 302
    assert client.post(url, data=_performance_form(term_no='2', status='urged', note='电话督促')).status_code == 302
    page = client.get(f'/cases/{agreed.case_id}').get_data(as_text=True)
    assert f'id="performance-{agreed.id}"' in page
    assert '履行中 1/3' in page and '电话督促' in page and '1 次' in page
    assert page.count('href="#performance-') == 2  # both entries of the history lead to the table
    form = client.get(url + '?term=2').get_data(as_text=True)
    assert 'value="2026-03-20"' in form  # the term's due date, read from "协议生效之日起十日内"


FOLLOW_UP_CASES = [
    ('visited_on', '', '请填写回访日期。'), ('visited_on', '四月一日', '请输入有效日期'),
    ('visited_on', '2099-04-01', '日期不能晚于今天。'), ('visited_on', '2026-03-01', '日期不能早于协议生效日期'),
    ('method', '', '请选择回访方式。'), ('method', 'pigeon', '请从列表中选择。'),
    ('visitors', '', '请填写回访人。'), ('visitors', LONG[:101], '不能超过 100 字'),
    ('person_visited', '', '请填写被回访人。'), ('person_visited', LONG[:101], '不能超过 100 字'),
    ('performance', 'nearly', '请从列表中选择。'), ('satisfaction', 'ecstatic', '请从列表中选择。'),
    ('situation', '', '请填写回访情况。'), ('situation', LONG[:5001], '不能超过 5000 字'),
    ('court_action', LONG[:501], '不能超过 500 字'), ('risks', LONG[:3001], '不能超过 3000 字'),
]


@pytest.mark.parametrize('name, value, says', FOLLOW_UP_CASES)
def test_the_follow_up_form_says_what_is_wrong_beside_the_field(agreed, users, client, login, name, value, says):
    login(users.village)
    data = _follow_up_form(**{name: value})
    response = client.post(f'/cases/{agreed.case_id}/stages/{agreed.id}/follow-ups/new', data=data)
    page = response.get_data(as_text=True)
    assert response.status_code == 422
    assert any(says in message for message in error_beside(page, name)), error_beside(page, name)
    _assert_kept(page, data, name)
    assert count(FollowUpVisit) == 0 and not events_of(EventKind.FOLLOW_UP_RECORDED)


@pytest.mark.parametrize('value, says', [('', '请填写备注内容。'), (LONG[:3001], '不能超过 3000 字')])
def test_the_note_form_says_what_is_wrong_beside_the_field(stage, users, client, login, value, says):
    login(users.village)
    response = client.post(f'/cases/{stage.case_id}/stages/{stage.id}/notes/new', data={'text': value})
    assert response.status_code == 422
    assert any(says in message for message in error_beside(response.get_data(as_text=True), 'text'))
    assert count(CaseNote) == 0


def test_every_form_saves_and_the_case_page_shows_it(agreed, users, client, login):
    login(users.village)
    base = f'/cases/{agreed.case_id}/stages/{agreed.id}'
    assert client.post(f'{base}/follow-ups/new', data=_follow_up_form()).status_code == 302
    assert client.post(f'{base}/notes/new', data={'text': '已电话告知下次回访时间。'}).status_code == 302
    assert client.post(f'{base}/evidence/new', data=_evidence_form(), content_type='multipart/form-data'
                       ).status_code == 302
    page = client.get(f'/cases/{agreed.case_id}').get_data(as_text=True)
    visit, note, evidence = (_db.session.scalar(sa.select(model)) for model in (FollowUpVisit, CaseNote, Attachment))
    for anchor in (f'follow_up-{visit.id}', f'note-{note.id}', f'evidence-{evidence.id}'):
        assert f'id="{anchor}"' in page and f'href="#{anchor}"' in page
    assert '已付一半，关系缓和' in page and '基本满意' in page and '电话回访' in page
    assert '已电话告知下次回访时间。' in page and '现场照片' in page


# --------------------------------------------------------------------------- corrections and conflicts

def test_a_stale_correction_is_a_conflict_that_keeps_the_typed_text(stage, users, client, login):
    session = records.add_session(stage, users.village, session_input(stage), now=utc(2026, 3, 5, 12))
    _db.session.commit()
    login(users.village)
    url = f'/cases/{stage.case_id}/stages/{stage.id}/sessions/{session.id}'
    form = client.get(url).get_data(as_text=True)
    assert 'value="枫源村调解室"' in form and 'name="version"' in form and '张三陈述：排水沟被堵' in form
    # a colleague corrects it meanwhile
    records.correct_session(session, users.village, session_input(stage, proposal='同事改过的方案'), expected_version=1)
    _db.session.commit()
    response = client.post(url, data=_session_form(stage, version='1', proposal='我刚写的调解方案'))
    page = response.get_data(as_text=True)
    assert response.status_code == 409
    assert '已被他人更正' in page and '我刚写的调解方案' in page  # the typed text is kept
    assert '同事改过的方案' in page  # and the newer saved text is shown beside it
    assert 'name="version" type="hidden" value="2"' in page or 'value="2"' in page
    _db.session.expire_all()
    assert _db.session.get(MediationSession, session.id).proposal == '同事改过的方案'
    # submitted again after comparing: saved
    response = client.post(url, data=_session_form(stage, version='2', proposal='我刚写的调解方案'))
    assert response.status_code == 302
    _db.session.expire_all()
    assert _db.session.get(MediationSession, session.id).proposal == '我刚写的调解方案'


@pytest.mark.parametrize('kind', ['investigation', 'follow_up'])
def test_other_corrections_check_the_version_too(stage, users, client, login, kind):
    login(users.village)
    if kind == 'investigation':
        record = records.add_investigation(stage, users.village, records.InvestigationInput(
            held_at=utc(2026, 3, 4, 15), place='枫源村3组', investigators='王调解', subject='王建国', content='问答'),
            now=utc(2026, 3, 11))
        url, data, typed = f'investigations/{record.id}', _investigation_form(version='1', content='新问答'), '新问答'
    else:
        agreed = agree_with_terms(stage, users.village, utc(2026, 3, 10))
        record = records.add_follow_up(agreed, users.village, records.FollowUpInput(
            visited_on=date(2026, 4, 1), method='phone', visitors='王调解', person_visited='张三', situation='已履行'),
            now=utc(2026, 4, 1, 12))
        url, data, typed = f'follow-ups/{record.id}', _follow_up_form(version='1', situation='新的回访情况'), '新的回访情况'
    _db.session.commit()
    model = type(record)  # a colleague's corrections meanwhile
    _db.session.execute(sa.update(model).where(model.id == record.id).values(version=5))
    _db.session.commit()
    response = client.post(f'/cases/{stage.case_id}/stages/{stage.id}/{url}', data=data)
    assert response.status_code == 409 and typed in response.get_data(as_text=True)
    data['version'] = '5'
    assert client.post(f'/cases/{stage.case_id}/stages/{stage.id}/{url}', data=data).status_code == 302
    assert events_of(EventKind.RECORD_CORRECTED)[0].data['record'] == kind


# --------------------------------------------------------------------------- who may write, who may read

def test_the_buttons_show_only_where_the_user_may_add_the_record(agreed, users, client, login, switch):
    login(users.village)
    page = client.get(f'/cases/{agreed.case_id}').get_data(as_text=True)
    base = f'/cases/{agreed.case_id}/stages/{agreed.id}'
    for path in ('follow-ups/new', 'evidence/new', 'notes/new', 'performance'):
        assert f'{base}/{path}' in page, path
    for path in ('sessions/new', 'investigations/new'):  # agreed: the negotiation is over
        assert f'{base}/{path}' not in page, path
    switch(users.town)  # the town supervises: reads, adds nothing
    page = client.get(f'/cases/{agreed.case_id}').get_data(as_text=True)
    assert f'{base}/' not in page.replace(f'{base}/transition', '')
    assert client.get(f'{base}/notes/new').status_code == 403
    assert client.post(f'{base}/notes/new', data={'text': '越权'}).status_code == 403
    assert count(CaseNote) == 0


def test_a_form_in_the_wrong_state_says_why(stage, users, client, login):
    login(users.village)
    response = client.get(f'/cases/{stage.case_id}/stages/{stage.id}/follow-ups/new')
    assert response.status_code == 422
    assert '当前状态为“调解中”，不能添加回访记录' in response.get_data(as_text=True)
    response = client.post(f'/cases/{stage.case_id}/stages/{stage.id}/performance', data=_performance_form())
    assert response.status_code == 422 and '不能添加履行情况' in response.get_data(as_text=True)


def test_a_form_sent_after_the_stage_moved_on_comes_back_with_the_reason_and_the_text(agreed, users, client,
                                                                                      login):
    login(users.village)
    url = f'/cases/{agreed.case_id}/stages/{agreed.id}/follow-ups/new'
    assert client.get(url).status_code == 200
    fire(agreed, 'close', users.village, utc(2026, 4, 1))  # a colleague closes the dossier meanwhile
    response = client.post(url, data=_follow_up_form(situation='刚写完的回访情况'))
    page = response.get_data(as_text=True)
    assert response.status_code == 422 and '已结案' in page and '刚写完的回访情况' in page
    assert count(FollowUpVisit) == 0


def test_another_jurisdiction_cannot_even_find_the_forms(stage, users, client, login):
    login(users.village_b)
    assert client.get(f'/cases/{stage.case_id}/stages/{stage.id}/sessions/new').status_code == 404
    assert client.post(f'/cases/{stage.case_id}/stages/{stage.id}/notes/new', data={'text': 'x'}).status_code == 404


def test_evidence_is_served_to_the_jurisdiction_only(stage, users, client, login, switch):
    pdf = pdf_bytes()  # once: Pillow writes the current second into the PDF
    attachment = records.add_evidence(stage, users.village, records.EvidenceInput(
        evidence_kind='document', title='收条', filename='C:\\扫描\\收条 2026.pdf', data=pdf))
    text = records.add_evidence(stage, users.village, records.EvidenceInput(
        evidence_kind='electronic', title='聊天记录', filename='chat.html', data=b'<script>alert(1)</script>'))
    _db.session.commit()
    url = f'/cases/{stage.case_id}/evidence/{attachment.token}'
    for user in (users.village, users.town, users.district):
        switch(user)
        response = client.get(url)
        assert response.status_code == 200 and response.data == pdf, user.username
        assert response.headers['Content-Type'] == 'application/pdf'
        assert response.headers['X-Content-Type-Options'] == 'nosniff'
        assert response.headers['Content-Disposition'].startswith('attachment;')
        assert "filename*=UTF-8''%E6%94%B6%E6%9D%A1%202026.pdf" in response.headers['Content-Disposition']
        assert 'no-store' in response.headers['Cache-Control']
    assert client.get(url + '?view=1').headers['Content-Disposition'].startswith('inline;')
    html = client.get(f'/cases/{stage.case_id}/evidence/{text.token}?view=1')
    assert html.headers['Content-Type'] == 'text/plain; charset=utf-8'
    assert html.headers['Content-Disposition'].startswith('attachment;')  # text is never shown inline
    assert html.headers['Content-Security-Policy'] == 'sandbox' and 'chat.html.txt' in html.headers[
        'Content-Disposition']
    for user in (users.village_b, users.town_b, users.court):
        switch(user)
        assert client.get(url).status_code == 404, user.username
    switch(users.village)
    other = accepted_stage(users.village, utc(2026, 3, 2))
    assert client.get(f'/cases/{other.case_id}/evidence/{attachment.token}').status_code == 404  # not that case's
    assert client.get(f'/cases/{stage.case_id}/evidence/{attachment.token[:-1]}x').status_code == 404
    assert client.get(f'/cases/{stage.case_id}/evidence/{attachment.id}').status_code == 404
    assert client.get(f'/cases/{stage.case_id}/evidence/{attachment.file_sha256}').status_code == 404


def test_evidence_needs_a_sign_in(stage, users, client):
    attachment = _upload(stage, users.village, png())
    _db.session.commit()
    response = client.get(f'/cases/{stage.case_id}/evidence/{attachment.token}')
    assert response.status_code == 302 and '/login' in response.headers['Location']


# --------------------------------------------------------------------------- documents

def test_the_session_and_follow_up_pdfs_print_the_records(agreed, users, client, login):
    # sessions belong to the negotiation: one on a second case still mediating, visits on this agreed one
    records.add_follow_up(agreed, users.village, records.FollowUpInput(
        visited_on=date(2026, 4, 1), method='phone', visitors='王调解', person_visited='张三',
        situation='电话回访已付清款项', performance='fulfilled', satisfaction='satisfied', risks='邻里关系恢复'),
        now=utc(2026, 4, 1, 12))
    records.add_follow_up(agreed, users.village, records.FollowUpInput(
        visited_on=date(2026, 5, 1), method='in_person', visitors='李调解', person_visited='李四',
        situation='上门回访一切正常'), now=utc(2026, 5, 1, 12))
    mediating = accepted_stage(users.village, utc(2026, 3, 2))
    records.add_session(mediating, users.village, session_input(mediating), now=utc(2026, 3, 5, 12))
    _db.session.commit()
    login(users.village)
    visits = client.get(f'/cases/{agreed.case_id}/documents/follow_up')
    assert visits.status_code == 200
    text = pdf_text(visits.data)
    assert len(PdfReader(io.BytesIO(visits.data)).pages) == 2  # one record per visit
    for expected in ('电话回访已付清款项', '上门回访一切正常', '电话回访', '满意', '王调解', '李四', '邻里关系恢复'):
        assert expected in text, expected
    session_pdf = client.get(f'/cases/{mediating.case_id}/documents/session_record')
    assert session_pdf.status_code == 200
    text = pdf_text(session_pdf.data)
    for expected in ('张三陈述：排水沟被堵，雨天积水进院。', '李四陈述：愿意疏通，但不同意赔偿。', '李四疏通排水沟。',
                     '枫源村调解室', '2026年3月5日', '择期继续调解', '现场查看属实。', '陈记录'):
        assert expected in text.replace('\n', ''), expected


# --------------------------------------------------------------------------- the case page

def test_the_qr_code_opens_the_case_for_those_who_may_see_it(stage, users, client, login, switch):
    case = stage.case
    login(users.village)
    page = client.get(f'/cases/{case.id}').get_data(as_text=True)
    assert f'/cases/code/{case.matter_code}' in page and '<svg' in page and 'qr-code' in page
    response = client.get(f'/cases/code/{case.matter_code}')
    assert response.status_code == 302 and response.headers['Location'].endswith(f'/cases/{case.id}')
    assert client.get(f'/cases/code/{case.matter_code.lower()}').status_code == 302
    switch(users.village_b)
    assert client.get(f'/cases/code/{case.matter_code}').status_code == 404
    assert client.get('/cases/code/' + 'X' * 200).status_code == 404


def test_a_case_without_risk_has_no_risk_row(db, orgs, users, client, login):
    plain = make_case(users.village)
    risky = make_case(users.village, petition_risk=True)
    login(users.village)
    assert '<dt>风险</dt>' not in client.get(f'/cases/{plain.id}').get_data(as_text=True)
    page = client.get(f'/cases/{risky.id}').get_data(as_text=True)
    assert '<dt>风险</dt>' in page and '信访风险' in page


def test_each_stage_shows_its_diagram_and_the_path_it_took(stage, users, client, login):
    fire(stage, 'pause', users.village, utc(2026, 3, 3), '等待鉴定', requested_by='applicant')
    fire(stage, 'resume', users.village, utc(2026, 3, 6))
    login(users.village)
    page = client.get(f'/cases/{stage.case_id}').get_data(as_text=True)
    assert 'stateDiagram-v2' in page and 'class mediating current' in page
    assert 'class pending_acceptance,paused visited' in page  # the current state is marked current only
    assert '② 中止调解' in page
    assert re.search(r'①</span>\s*<span class="muted">2026-03-02 09:00</span>\s*受理：待受理 → 调解中', page)
    assert 'vendor/mermaid/mermaid.min.js' in page and 'js/case.js' in page


def _walk(case_stage, user, town_user, at_day, many):
    """Bring a village stage through a session and a referral to the town, which accepts, records and agrees."""
    n = 4 if many else 1
    for index in range(n):
        at = utc(2026, 3, 3 + index)
        records.add_session(case_stage, user, session_input(case_stage, held_at=at, next_session_on=None),
                            now=at)
    fire(case_stage, 'record_failure', user, utc(2026, 3, 8), '分歧过大')
    fire(case_stage, 'refer_up', user, utc(2026, 3, 8, 10), '移交镇调委会', consent=True)
    town = case_stage.case.stages[-1]
    fire(town, 'accept', town_user, utc(2026, 3, 9), consent=True)
    for index in range(n):
        at = utc(2026, 3, 10 + index)
        records.add_session(town, town_user, session_input(town, held_at=at, next_session_on=None), now=at)
        records.add_investigation(town, town_user, records.InvestigationInput(
            held_at=at, place='现场', investigators='镇调解员', subject='邻居', content='问答'), now=at)
        records.add_evidence(town, town_user, records.EvidenceInput(
            evidence_kind='photo', title=f'照片{index}', filename='p.png', data=png(40 + index)), now=at)
        records.add_note(town, town_user, f'备注{index}', now=at)
    _db.session.commit()
    agree_with_terms(town, town_user, utc(2026, 3, 20), terms=5 if many else 1)
    for index in range(n):
        at = utc(2026, 3, 21 + index)
        records.record_performance(town, town_user, records.PerformanceInput(
            term_no=index + 1, status='fulfilled', checked_on=date(2026, 3, 21 + index)), now=at)
        records.record_performance(town, town_user, records.PerformanceInput(
            term_no=index + 1, status=records.URGED, checked_on=date(2026, 3, 21 + index), note='督促'), now=at)
        records.add_follow_up(town, town_user, records.FollowUpInput(
            visited_on=date(2026, 4, 1 + index), method='phone', visitors='镇调解员', person_visited='张三',
            situation='好', satisfaction='satisfied'), now=utc(2026, 4, 1 + index))
    _db.session.commit()
    return town


def _queries(client, db, url):
    statements = []

    def count_statement(conn, cursor, statement, parameters, context, executemany):
        statements.append(statement)
    sa.event.listen(db.engine, 'before_cursor_execute', count_statement)
    try:
        response = client.get(url)
    finally:
        sa.event.remove(db.engine, 'before_cursor_execute', count_statement)
    assert response.status_code == 200
    return statements


def test_the_case_page_costs_the_same_queries_with_one_record_or_many(db, orgs, users, client, login, switch):
    from mediation.services.cases import PartyInput
    from tests.factories import case_input
    few = make_case(users.village, now=utc(2026, 3, 2)).stages[0]
    fire(few, 'accept', users.village, utc(2026, 3, 2))
    _walk(few, users.village, users.town, 3, many=False)
    parties = [PartyInput(role='applicant', kind='person', name=f'申请人{n}') for n in range(5)] + [
        PartyInput(role='respondent', kind='person', name=f'被申请人{n}') for n in range(4)]
    from mediation.services.cases import create_case
    many = create_case(users.village, case_input(parties=parties), now=utc(2026, 3, 2)).case.stages[0]
    _db.session.commit()
    fire(many, 'accept', users.village, utc(2026, 3, 2))
    for day in range(3, 8):  # more events: pauses and resumptions
        fire(many, 'pause', users.village, utc(2026, 3, day, 8), '等待', requested_by='applicant')
        fire(many, 'resume', users.village, utc(2026, 3, day, 9))
    _walk(many, users.village, users.town, 3, many=True)
    counts = {}
    for user in (users.town, users.village, users.district):
        switch(user)
        counts[user.username] = [len(_queries(client, db, f'/cases/{stage.case_id}')) for stage in (few, many)]
    for username, (one, several) in counts.items():
        assert one == several, (username, counts)
    # the user and their organisation, the case, the calendar (2), stages, parties, events and their actors,
    # agreements, one query per kind of record (6), the category, the dossier's issued documents, notices
    assert counts['town_a'][0] <= 20, counts


def test_records_appear_in_the_history_with_the_record_kinds_label(stage, users, client, login):
    records.add_note(stage, users.village, '约定周五再谈', now=utc(2026, 3, 3))
    _db.session.commit()
    login(users.village)
    page = client.get(f'/cases/{stage.case_id}').get_data(as_text=True)
    note = _db.session.scalar(sa.select(CaseNote))
    assert f'<a href="#note-{note.id}">工作备注</a>' in page and page.count('约定周五再谈') == 2


# --------------------------------------------------------------------------- the migration and the demo

def test_old_follow_up_events_become_visit_records(scratch_database_url):  # noqa: F811
    from flask_migrate import downgrade
    from flask_migrate import upgrade

    from mediation import create_app
    from mediation.extensions import db
    from tests.conftest import TEST_KEY
    from tests.factories import make_org_tree
    from tests.factories import make_standard_users

    app = create_app({'SQLALCHEMY_DATABASE_URI': scratch_database_url, 'SECRET_KEY': 'x',
                      'FIELD_ENCRYPTION_KEY': TEST_KEY, 'PASSWORD_HASH_METHOD': 'pbkdf2:sha256:1000',
                      'SWEEP_INTERVAL_MINUTES': 0})
    with app.app_context():
        upgrade()
        users = make_standard_users(make_org_tree())
        stage = accepted_stage(users.village, utc(2026, 3, 2))
        agree_with_terms(stage, users.village, utc(2026, 3, 10))
        ids = (stage.case_id, stage.id, users.village.id)
        db.session.remove()
        downgrade(revision='da409e4f330c')
        with db.engine.begin() as conn:  # what the old trigger wrote: an event whose reason is the whole account
            conn.execute(sa.text(
                "INSERT INTO event (case_id, stage_id, actor_id, at, kind, reason, data) VALUES "
                "(:case_id, :stage_id, :actor_id, :at, 'record_follow_up', :reason, '{}')"),
                [{'case_id': ids[0], 'stage_id': ids[1], 'actor_id': ids[2], 'at': utc(2026, 4, 1, 23, 30),
                  'reason': '电话回访：已按协议履行。'},
                 {'case_id': ids[0], 'stage_id': ids[1], 'actor_id': None, 'at': utc(2026, 5, 2, 10),
                  'reason': '上门回访'}])
        upgrade()
        rows = db.session.execute(sa.text(
            'SELECT case_id, stage_id, created_by_id, visited_on, method, visitors, situation, version '
            'FROM follow_up_visit ORDER BY id')).all()
        assert [tuple(row[:3]) for row in rows] == [ids, (*ids[:2], None)]
        assert [str(row[3]) for row in rows] == ['2026-04-01', '2026-05-02']  # Beijing days
        assert [(row[4], row[5], row[6], row[7]) for row in rows] == [
            ('in_person', 'village_a1', '电话回访：已按协议履行。', 1), ('in_person', '', '上门回访', 1)]
        # the case page finds them through the old events
        from mediation.models import Case
        case = db.session.get(Case, ids[0])
        records.load_case(case)
        events = db.session.scalars(sa.select(Event).where(Event.case_id == case.id)).all()
        bundle = records.case_records(case, events, records.agreements_of(case))[ids[1]]
        assert [visit.situation for visit in bundle.visits] == ['电话回访：已按协议履行。', '上门回访']
        db.session.remove()
        db.engine.dispose()


def test_the_demo_records_the_work(db):
    from mediation.demo import seed_demo_data
    report = seed_demo_data(case_count=60)
    db.session.commit()
    assert '工作记录：调解记录' in report
    for model in (MediationSession, Investigation, Attachment, PerformanceRecord, FollowUpVisit):
        assert count(model) > 0, model.__name__
    sessions = db.session.scalars(sa.select(MediationSession)).all()
    assert all(len(session.statements) >= 2 for session in sessions)
    assert {session.outcome.value for session in sessions} >= {'agreed', 'not_agreed'}
    assert db.session.scalar(sa.select(sa.func.count()).select_from(PerformanceRecord)
                             .where(PerformanceRecord.urged.is_(True))) > 0
    from mediation.models import Agreement
    summaries = set(db.session.scalars(sa.select(Agreement.performance).where(Agreement.performance.is_not(None))))
    assert PerformanceStatus.FULFILLED in summaries and len(summaries) >= 2
    assert {visit.satisfaction for visit in db.session.scalars(sa.select(FollowUpVisit))} - {None}
    types = set(db.session.scalars(sa.select(Attachment.content_type)))
    assert {'image/png', 'application/pdf'} <= types
    legacy = db.session.scalar(sa.select(sa.func.count()).select_from(Event).where(
        Event.kind.in_(['record_follow_up', 'record_fulfilment', 'record_breach'])))
    assert legacy == 0
