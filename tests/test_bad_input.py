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
