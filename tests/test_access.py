"""Jurisdiction: who sees and acts on which case."""
import pytest

from mediation.access import visible_cases
from mediation.extensions import db as _db
from mediation.services.transitions import apply_transition
from tests.factories import make_case


@pytest.fixture
def village_case(users):
    return make_case(users.village, title='枫源村的案件')


def _visible_ids(user):
    return {case.id for case in _db.session.scalars(visible_cases(user))}


def test_other_village_gets_404_not_the_data(client, users, login, village_case):
    login(users.village_other)
    response = client.get(f'/cases/{village_case.id}')
    assert response.status_code == 404
    assert '枫源村的案件' not in response.get_data(as_text=True)
    assert '没有符合条件的案件' in client.get('/cases/?q=张三').get_data(as_text=True)


def test_missing_case_and_foreign_case_look_the_same(client, users, login, village_case):
    login(users.village_other)
    missing, foreign = client.get('/cases/999999'), client.get(f'/cases/{village_case.id}')
    assert missing.status_code == foreign.status_code == 404
    assert missing.get_data(as_text=True).split('<main>')[1] == foreign.get_data(as_text=True).split('<main>')[1]


@pytest.mark.parametrize('who, sees', [
    ('village', True), ('village_other', False), ('village_b', False), ('town', True), ('town_b', False),
    ('district', True), ('court', False), ('admin', True),
])
def test_visibility_matrix(users, village_case, who, sees):
    assert (village_case.id in _visible_ids(getattr(users, who))) is sees


def test_supervisors_read_but_cannot_act(client, users, login, village_case):
    login(users.town)
    page = client.get(f'/cases/{village_case.id}').get_data(as_text=True)
    assert '枫源村的案件' in page and '确认：受理' not in page
    stage = village_case.stages[0]
    response = client.post(f'/cases/{village_case.id}/stages/{stage.id}/transition',
                           data={'trigger': 'accept', 'version': stage.version})
    assert response.status_code == 403


def test_handler_sees_buttons_and_acts(client, users, login, village_case):
    login(users.village)
    stage = village_case.stages[0]
    assert '确认：受理' in client.get(f'/cases/{village_case.id}').get_data(as_text=True)
    response = client.post(f'/cases/{village_case.id}/stages/{stage.id}/transition',
                           data={'trigger': 'accept', 'version': stage.version})
    assert response.status_code == 302
    assert '人调字第1号' in client.get(f'/cases/{village_case.id}').get_data(as_text=True)


def test_court_sees_only_cases_sent_to_it(users, village_case, db):
    stage = village_case.stages[0]
    apply_transition(stage, 'accept', users.village)
    assert village_case.id not in _visible_ids(users.court)
    apply_transition(stage, 'refer_to_court', users.village, reason='当事人要求诉讼')
    db.session.commit()
    assert village_case.id in _visible_ids(users.court)


def test_lists_mask_identifiers_and_only_handlers_can_reveal(client, users, login, village_case, db):
    login(users.town)
    listing = client.get('/cases/').get_data(as_text=True)
    assert '138****5678' in listing and '13812345678' not in listing
    page = client.get(f'/cases/{village_case.id}').get_data(as_text=True)
    assert '110105********002X' in page and '11010519491231002X' not in page
    assert '3组12号' not in page  # supervisors see the address only down to the village
    assert client.post(f'/cases/{village_case.id}/reveal').status_code == 403
    client.post('/logout')
    login(users.village)
    page = client.post(f'/cases/{village_case.id}/reveal').get_data(as_text=True)
    assert '11010519491231002X' in page and '13812345678' in page
    import sqlalchemy as sa

    from mediation.models import Event
    viewed = db.session.scalars(sa.select(Event).where(Event.kind == 'pii_viewed')).all()
    assert len(viewed) == 1 and viewed[0].actor_id == users.village.id


def test_identifiers_are_encrypted_at_rest(village_case, db):
    raw = db.session.execute(db.text('SELECT id_number_encrypted, phone_encrypted, id_number_hash FROM party '
                                     "WHERE name = '张三'")).one()
    assert '11010519491231002X' not in raw[0] and '13812345678' not in raw[1]
    assert raw[0].startswith('v1:') and len(raw[2]) == 64


def search(client, query, **filters):
    """Submit the case list's filter form; the redirect's URL and the page it leads to."""
    response = client.post('/cases/', data={'q': query, **filters})
    assert response.status_code == 302
    location = response.headers['Location']
    return location, client.get(location).get_data(as_text=True)


def test_search_by_full_id_number_or_phone_finds_the_case_within_jurisdiction(client, users, login, village_case):
    login(users.village)
    for query, masked in (('11010519491231002x', '110105********002X'), ('138 1234 5678', '138****5678')):
        location, page = search(client, query, level='village')
        assert '枫源村的案件' in page and masked in page
        # Access logs and browser history keep URLs: the number is not in it, its lookup hash is.
        assert 'qh=' in location and 'level=village' in location
        assert '1949' not in location and '1234' not in location
    assert '没有符合条件的案件' in search(client, '13900000000')[1]
    client.post('/logout')
    login(users.village_other)
    assert '没有符合条件的案件' in search(client, '11010519491231002X')[1]


def test_a_link_with_an_id_number_in_it_is_moved_to_the_hashed_form(client, users, login, village_case):
    login(users.village)
    response = client.get('/cases/', query_string={'q': '11010519491231002X', 'due': 'overdue'})
    assert response.status_code == 302
    assert '11010519491231002X' not in response.headers['Location']
    assert 'qh=' in response.headers['Location'] and 'due=overdue' in response.headers['Location']


def test_a_malformed_lookup_hash_is_ignored(client, users, login, village_case):
    login(users.village)
    page = client.get('/cases/', query_string={'qh': 'not-a-hash', 'qm': '<script>'}).get_data(as_text=True)
    assert '枫源村的案件' in page and '<script>' not in page


def test_searching_by_name_keeps_the_words_in_the_url(client, users, login, village_case):
    login(users.village)
    location, page = search(client, '张三')
    assert '枫源村的案件' in page and 'q=' in location and 'qh=' not in location
