"""The supervision page: each committee's figures, and the lists behind them holding exactly that many."""
import re
from datetime import date
from html import unescape

import pytest

from mediation.services import case_queries
from mediation.services import supervision
from tests.factories import make_case
from tests.factories import make_user
from tests.helpers import accepted_stage
from tests.helpers import agree_orally
from tests.helpers import fire
from tests.helpers import utc
from workflows.enums import Role

TODAY = date(2026, 3, 10)


@pytest.fixture(autouse=True)
def fixed_today(monkeypatch):
    import mediation.cases.list_views
    import mediation.main.views
    monkeypatch.setattr(mediation.cases.list_views, 'today_in_china', lambda: TODAY)
    monkeypatch.setattr(mediation.main.views, 'today_in_china', lambda: TODAY)


@pytest.fixture
def district_work(db, orgs, users):
    """Work at both towns and three villages: open, due soon, overdue, referred up this month and last."""
    accepted_stage(users.village, utc(2026, 2, 5))  # overdue (due 03-05)
    accepted_stage(users.village, utc(2026, 2, 12))  # due soon (03-12)
    accepted_stage(users.village, utc(2026, 3, 2))
    make_case(users.village, title='枫源村新登记', now=utc(2026, 3, 9))
    agreed = accepted_stage(users.village, utc(2026, 1, 20))
    agree_orally(agreed, users.village, utc(2026, 2, 12))  # the parties' window: due soon
    for day in (3, 4):  # referred up this month from 枫源村
        stage = accepted_stage(users.village, utc(2026, 3, 1))
        fire(stage, 'refer_up', users.village, utc(2026, 3, day), reason='复杂', consent=True)
    earlier = accepted_stage(users.village, utc(2026, 2, 1))  # referred last month
    fire(earlier, 'refer_up', users.village, utc(2026, 2, 20), reason='复杂', consent=True)
    from_a2 = accepted_stage(users.village_other, utc(2026, 3, 2))
    fire(from_a2, 'refer_up', users.village_other, utc(2026, 3, 5), reason='复杂', consent=True)
    accepted_stage(users.village_other, utc(2026, 2, 3))  # overdue
    town_stage = accepted_stage(users.town, utc(2026, 2, 4))  # the town's own, overdue
    fire(town_stage, 'refer_up', users.town, utc(2026, 3, 6), reason='疑难', consent=True)  # to the district
    accepted_stage(users.village_b, utc(2026, 2, 13))  # town B's village: due soon
    make_case(users.village_b, title='湄池村新登记', now=utc(2026, 3, 9))
    db.session.commit()


def figures_of(page: str) -> dict:
    """{(committee name, figure): (number, link or None)} from the supervision table."""
    found = {}
    for row in re.findall(r'<tr class="[^"]*">(.*?)</tr>', page, re.S):
        name = re.search(r'<td class="name"[^>]*>(.*?)</td>', row, re.S)
        if not name:
            continue
        name = re.sub(r'<[^>]+>|（本级）', '', name.group(1)).strip()
        for figure, cell in re.findall(r'<td class="num" data-label="([^"]+)">(.*?)</td>', row, re.S):
            link = re.search(r'href="([^"]+)">(\d+)</a>', cell)
            found[name, figure] = (int(link.group(2)), unescape(link.group(1))) if link else (0, None)
    return found


def list_length(client, url) -> int:
    count, seen = 0, set()
    while url:
        page = client.get(url).get_data(as_text=True)
        ids = re.findall(r'class="case-title" href="/cases/(\d+)"', page)
        assert not seen & set(ids)
        seen |= set(ids)
        count += len(ids)
        match = re.search(r'<a href="([^"]+)" rel="next">', page)
        url = unescape(match.group(1)) if match else None
    return count


@pytest.mark.parametrize('who', ['town', 'district'])
def test_every_figure_is_the_length_of_the_list_it_opens(client, users, login, district_work, who):
    login(getattr(users, who))
    figures = figures_of(client.get('/supervision').get_data(as_text=True))
    assert figures and any(number for number, _ in figures.values())
    for (name, figure), (number, url) in figures.items():
        if url:
            assert list_length(client, url) == number, (name, figure, url)


def test_a_towns_figures(client, users, login, district_work, orgs):
    login(users.town)
    page = client.get('/supervision').get_data(as_text=True)
    figures = figures_of(page)
    village, other, town = orgs.village_a1.name, orgs.village_a2.name, orgs.town_a.name
    assert figures[village, '在办'][0] == 4  # three accepted and one new (not the agreed, not the referred)
    assert figures[village, '即将到期'][0] == 2  # a mediation due 03-12 and the parties' confirmation window
    assert figures[village, '已超期'][0] == 1
    assert figures[village, '本月上交'][0] == 2  # not the one referred in February
    assert figures[other, '本月上交'][0] == 1 and figures[other, '已超期'][0] == 1
    assert figures[town, '在办'][0] == 4  # the referrals waiting for the town
    assert figures[town, '已超期'][0] == 3  # three of them past their three working days
    assert figures[town, '即将到期'][0] == 1
    assert figures[town, '本月上交'][0] == 1  # the town's own referral to the district
    # town B's villages are not the town's business
    assert orgs.village_b1.name not in page and '湄池村新登记' not in page
    assert figures['辖区合计', '本月上交'][0] == 4


def test_each_committees_figures_are_the_lengths_of_its_lists(db, users, district_work, orgs):
    """Counted per committee in one grouped query, equal to the list narrowed to that committee."""
    month = TODAY.replace(day=1)
    for name, filters in supervision.figure_filters(month).items():
        counts = supervision.count_by_committee(users.district, filters, TODAY)
        for org in (orgs.district, orgs.town_a, orgs.town_b, orgs.village_a1, orgs.village_a2, orgs.village_b1):
            narrowed = case_queries.CaseFilters(**{**filters.__dict__, 'committee_id': org.id})
            assert counts.get(org.id, 0) == case_queries.count_cases(users.district, narrowed, TODAY) == len(
                case_queries.case_page(users.district, narrowed, TODAY, per_page=500).rows), (name, org.name)


def test_a_districts_page_groups_each_town_with_its_villages(client, users, login, district_work, orgs):
    login(users.district)
    page = client.get('/supervision').get_data(as_text=True)
    order = [orgs.district.name, orgs.town_b.name, orgs.village_b1.name, orgs.town_a.name, orgs.village_a2.name,
             orgs.village_a1.name]  # each town (by code) followed by its villages
    positions = [page.index(f'>{name}') for name in order]
    assert positions == sorted(positions)
    figures = figures_of(page)
    assert figures[orgs.district.name, '在办'][0] == 1  # the town's referral waiting for the district


def test_oldest_open_cases_wait_longest_first(client, users, login, district_work, orgs, db):
    report = supervision.report(users.town, TODAY)
    village = next(f for group in report.groups for f in group.members if f.org.id == orgs.village_a1.id)
    assert len(village.oldest) == 3
    assert [old.days for old in village.oldest] == sorted((old.days for old in village.oldest), reverse=True)
    assert village.oldest[0].days >= 26  # received 2026-02-05 (accepted the same day)


@pytest.mark.parametrize('who, allowed', [('village', False), ('village_other', False), ('town', True),
                                          ('district', True), ('court', False), ('admin', False)])
def test_who_has_the_page(client, users, login, who, allowed):
    login(getattr(users, who))
    assert (client.get('/supervision').status_code == 200) is allowed
    assert ('href="/supervision"' in client.get('/').get_data(as_text=True)) is allowed


def test_a_town_without_villages_has_an_empty_table_not_an_error(client, db, orgs, login):
    from mediation.services import orgs as org_service
    lonely = org_service.create_organisation(kind='town', name='孤镇', short_name='孤', code='GZ', parent=orgs.district)
    db.session.commit()
    user = make_user('lonely', Role.TOWN_MEDIATOR, lonely)
    login(user)
    page = client.get('/supervision').get_data(as_text=True)
    assert '孤镇' in page and '辖区合计' in page
