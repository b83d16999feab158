"""Bad or stale input on the pages gets a page, never a 500."""
import pytest


@pytest.mark.parametrize('query', ['state=bogus', 'level=nowhere', 'due=xx', 'category_id=abc', 'page=-3',
                                   'page=abc', 'q=' + 'x' * 500, 'mine=yes'])
def test_case_list_ignores_filters_it_does_not_know(client, users, login, query):
    login(users.town)
    assert client.get('/cases/?' + query).status_code == 200


@pytest.mark.parametrize('query', ['start=2026-02-30&unit=months&amount=1', 'start=x&unit=bogus&amount=-1',
                                   'start=2026-01-01&unit=days&amount=99999', 'start=&unit=&amount='])
def test_deadline_calculator_explains_bad_input(client, users, login, query):
    login(users.village)
    response = client.get('/deadline-calculator?' + query)
    assert response.status_code == 200 and '到期日：' not in response.get_data(as_text=True)


def test_transition_post_for_a_missing_case_is_404(client, users, login):
    login(users.village)
    assert client.post('/cases/999/stages/999/transition', data={'trigger': 'x', 'version': 'x'}).status_code == 404


@pytest.mark.parametrize('path', ['/cases/99999999999999999999', '/cases/2147483648',
                                  '/cases/1/stages/99999999999999999999/transition'])
def test_an_id_longer_than_the_database_holds_is_a_404(client, users, login, path):
    login(users.village)
    method = client.post if path.endswith('transition') else client.get
    assert method(path, data={'trigger': 'x', 'version': '1'}).status_code == 404


@pytest.mark.parametrize('query', ['page=99999999999999999999', 'category_id=99999999999999999999'])
def test_numbers_too_large_for_the_database_are_ignored(client, users, login, query):
    login(users.town)
    assert client.get('/cases/?' + query).status_code == 200
