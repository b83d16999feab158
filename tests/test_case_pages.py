"""Case pages: intake, transitions with conflicts, deadline explanation."""
import sqlalchemy as sa

from mediation.extensions import db as _db
from mediation.models import Case
from mediation.models import Notice
from tests.factories import category
from tests.factories import make_case


def _intake_form(**overrides):
    data = {'title': '排水沟纠纷', 'category_id': category('LL').id, 'source': 'party_application',
            'facts': '双方因排水沟堵塞发生争执。', 'people_involved': '2', 'intake_level': 'village',
            'parties-0-role': 'applicant', 'parties-0-kind': 'person', 'parties-0-name': '张三',
            'parties-0-id_number': '11010519491231002X', 'parties-0-phone': '13812345678',
            'parties-1-role': 'respondent', 'parties-1-kind': 'person', 'parties-1-name': '李四'}
    data.update(overrides)
    return data


def _refused_intake(client, **overrides) -> str:
    """Post the intake form with ``overrides``: refused (422), nothing stored; the page it shows."""
    response = client.post('/cases/new', data=_intake_form(**overrides))
    assert response.status_code == 422
    assert _db.session.scalar(sa.select(sa.func.count()).select_from(Case)) == 0
    return response.get_data(as_text=True)


def test_intake_creates_a_case_pending_at_the_own_committee(client, users, login, db):
    login(users.village)
    response = client.post('/cases/new', data=_intake_form())
    assert response.status_code == 302
    case = db.session.scalar(sa.select(Case))
    assert case.stages[0].committee_id == users.village.organisation_id
    assert case.stages[0].state.value == 'pending_acceptance' and case.stages[0].due_on is not None
    assert [p.sex for p in case.parties] == ['female', None]  # derived from the ID number


def test_intake_with_a_bad_id_number_keeps_the_input_and_says_why(client, users, login, db):
    login(users.village)
    page = _refused_intake(client, **{'parties-0-id_number': '110105194912310021'})
    assert '校验' in page
    assert 'value="排水沟纠纷"' in page and 'value="110105194912310021"' in page


def test_missing_required_fields_are_marked(client, users, login):
    login(users.village)
    page = _refused_intake(client, title='', facts='')
    assert '请填写纠纷名称' in page and '请填写纠纷简要情况' in page


def test_numbers_and_dates_that_cannot_be_read_get_one_chinese_message(client, users, login):
    login(users.village)
    page = _refused_intake(client, **{'people_involved': 'abc', 'parties-0-birth_date': '1949-13-45'})
    assert page.count('请输入整数。') == 1 and '涉及人数须在' not in page
    assert '请输入有效日期（格式：2026-10-01）。' in page and 'Not a valid' not in page
    assert 'value="abc"' in page and 'value="1949-13-45"' in page


def test_risky_dispute_may_go_straight_to_the_town_and_alerts_it(client, users, login, db):
    login(users.village)
    response = client.post('/cases/new', data=_intake_form(mzx_risk='y', intake_level='town', people_involved='30'))
    assert response.status_code == 302
    case = db.session.scalar(sa.select(Case))
    assert case.stages[0].committee_id == users.town.organisation_id
    alerts = db.session.scalars(sa.select(Notice).where(Notice.kind == 'risk_alert')).all()
    assert users.town.organisation_id in {n.organisation_id for n in alerts}
    assert any('公安' in n.message for n in alerts)


def test_plain_dispute_cannot_skip_the_village(client, users, login, db):
    login(users.village)
    assert '不能直接提交' in _refused_intake(client, intake_level='district')


def test_stale_form_shows_a_conflict_and_keeps_the_typed_reason(client, users, login, db):
    case = make_case(users.village)
    stage = case.stages[0]
    url = f'/cases/{case.id}/stages/{stage.id}/transition'
    login(users.village)
    old_version = stage.version
    assert client.post(url, data={'trigger': 'accept', 'version': old_version}).status_code == 302
    response = client.post(url, data={'trigger': 'decline', 'version': old_version, 'reason': '当事人已起诉'})
    page = response.get_data(as_text=True)
    assert response.status_code == 409
    assert '已被他人修改' in page
    assert '人调字第1号' in page  # the page shows the current state


def test_refused_transition_says_what_is_missing_and_keeps_input(client, users, login, db):
    case = make_case(users.village)
    stage = case.stages[0]
    url = f'/cases/{case.id}/stages/{stage.id}/transition'
    login(users.village)
    client.post(url, data={'trigger': 'accept', 'version': stage.version})
    db.session.refresh(stage)
    response = client.post(url, data={'trigger': 'pause', 'version': stage.version, 'reason': '等待伤情鉴定'})
    page = response.get_data(as_text=True)
    assert response.status_code == 422 and '申请中止的一方' in page and '等待伤情鉴定' in page


def test_a_transition_form_marks_the_field_that_is_wrong(client, users, login, db):
    case = make_case(users.village)
    stage = case.stages[0]
    url = f'/cases/{case.id}/stages/{stage.id}/transition'
    login(users.village)
    client.post(url, data={'trigger': 'accept', 'version': stage.version, 'consent': 'y'})
    db.session.refresh(stage)
    response = client.post(url, data={'trigger': 'extend', 'version': stage.version, 'unit': 'days',
                                      'amount': '999', 'consent': 'y', 'reason': '双方同意继续调解'})
    page = response.get_data(as_text=True)
    assert response.status_code == 422
    assert '延长长度须在 1 至 366 之间。' in page and 'field-error' in page
    assert 'value="999"' in page and '双方同意继续调解' in page


def test_case_page_explains_the_deadline(client, users, login, db):
    case = make_case(users.village)
    login(users.village)
    page = client.get(f'/cases/{case.id}').get_data(as_text=True)
    assert '计算过程' in page and '工作日' in page


def test_an_unknown_province_code_is_a_warning_not_a_refusal(client, users, login, db):
    from mediation.identifiers import resident_id_check_char
    number = '99010519800101001'
    number += resident_id_check_char(number)
    login(users.village)
    response = client.post('/cases/new', data=_intake_form(**{'parties-0-id_number': number}),
                           follow_redirects=True)
    page = response.get_data(as_text=True)
    assert response.status_code == 200 and '纠纷已登记' in page
    assert '张三：身份证号码前两位“99”不是已知的省级行政区划代码' in page


def test_a_repeat_dispute_is_pointed_out_only_within_the_jurisdiction(db, users):
    """The same ID number in another open case: a hint for its own committee and the town above,
    nothing at all for a committee that cannot see that case."""
    from mediation.services.cases import create_case
    from tests.factories import case_input
    earlier = make_case(users.village)
    hint = f'当事人张三另有未结纠纷（案件编码 {earlier.matter_code}）'
    same_village = create_case(users.village, case_input(title='又一起排水纠纷')).warnings
    assert any(hint in warning for warning in same_village)
    elsewhere = create_case(users.village_other, case_input(title='别村的纠纷')).warnings
    assert not any('另有未结纠纷' in warning for warning in elsewhere)


def test_an_empty_birth_date_is_no_error(client, users, login, db):
    """Browsers send empty fields as empty strings; the test client above leaves them out."""
    login(users.village)
    response = client.post('/cases/new', data=_intake_form(**{'parties-0-birth_date': '', 'parties-1-birth_date': ''}))
    assert response.status_code == 302


def test_a_party_card_without_a_name_is_not_dropped_with_what_was_typed(client, users, login, db):
    login(users.village)
    page = _refused_intake(client, **{'parties-0-name': ''})
    assert '请填写第 1 位当事人的姓名或名称。' in page
    assert 'value="11010519491231002X"' in page and 'value="13812345678"' in page


def test_messages_name_the_card_the_user_sees_when_an_earlier_card_is_blank(client, users, login, db):
    login(users.village)
    page = _refused_intake(client, **{'parties-0-name': '', 'parties-0-id_number': '', 'parties-0-phone': '',
                                      'parties-1-id_number': '110105194912310021'})
    assert '第 2 位当事人' in page and '第 1 位当事人' not in page


def test_another_party_card_can_be_added_without_losing_what_was_typed(client, users, login, db):
    login(users.village)
    page = client.post('/cases/new', data=_intake_form(add_party='1')).get_data(as_text=True)
    assert 'name="parties-2-name"' in page and 'value="张三"' in page and 'value="排水沟纠纷"' in page
    assert db.session.scalar(sa.select(sa.func.count()).select_from(Case)) == 0
    form = _intake_form(**{'parties-2-role': 'respondent', 'parties-2-kind': 'person', 'parties-2-name': '王五'})
    assert client.post('/cases/new', data=form).status_code == 302
    assert [p.name for p in db.session.scalar(sa.select(Case)).parties] == ['张三', '李四', '王五']


def test_the_case_page_reads_the_history_once(client, users, login, db):
    """Events (with their actors) are read once for the history and every stage's deadline."""
    case = make_case(users.village)
    login(users.village)
    client.post(f'/cases/{case.id}/stages/{case.stages[0].id}/transition',
                data={'trigger': 'accept', 'version': '1', 'consent': 'y'})
    reads = []

    def count(conn, cursor, statement, parameters, context, executemany):
        if statement.lstrip().upper().startswith('SELECT') and 'FROM event' in statement:
            reads.append(statement)
    sa.event.listen(db.engine, 'before_cursor_execute', count)
    try:
        page = client.get(f'/cases/{case.id}').get_data(as_text=True)
    finally:
        sa.event.remove(db.engine, 'before_cursor_execute', count)
    assert '计算过程' in page and users.village.display_name in page
    assert len(reads) == 1, reads
