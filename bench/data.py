"""The synthetic district: one district, towns, villages; N cases with one open stage each.

Every row is valid against the real schema (foreign keys, CHECK constraints on the enum
columns, the unique case numbers per committee and year). The stages:

- 1 % (every stage whose index ends in 37 modulo 100) are overdue people's-mediation stages at a
  village or town committee: ``due_on`` one to seven days ago, ``next_check_on`` <= today.
  These are the ones the sweep refers up to the town or district.
- 9 % are paused (the clock is stopped): ``next_check_on`` NULL, outside the partial index.
- the rest are mediating with a deadline 12 to 29 days away: ``next_check_on`` is their
  due-soon day, in the future.

Rows are produced as tuples in the column order of :data:`CASE_COLUMNS` and
:data:`STAGE_COLUMNS`, with Python dates and datetimes; :mod:`bench.databases` converts them
for SQLite's executemany or PostgreSQL's COPY.
"""
from dataclasses import dataclass
from datetime import date
from datetime import datetime
from datetime import timedelta

#: The sweep runs at 09:00 China time on this day (a Tuesday, in a year chinesecalendar knows).
SWEEP_DAY = date(2026, 12, 1)
SWEEP_NOW_TEXT = '2026-12-01T09:00'
#: A day before every loaded ``next_check_on``: a sweep then finds nothing due.
NOTHING_DUE_DAY = SWEEP_DAY - timedelta(days=7)
NOTHING_DUE_NOW_TEXT = NOTHING_DUE_DAY.isoformat() + 'T09:00'

DUE_EVERY = 100
DUE_REMAINDER = 37
PAUSED_EVERY = 10
PAUSED_REMAINDER = 3

TOWNS = 12
VILLAGES_PER_TOWN = 25

ORG_COLUMNS = ('id', 'kind', 'name', 'committee_name', 'short_name', 'code', 'parent_id', 'path', 'active')

CASE_COLUMNS = (
    'id', 'matter_code', 'title', 'category_id', 'source', 'facts', 'requests', 'place', 'amount',
    'people_involved', 'mzx_risk', 'group_dispute', 'petition_risk', 'major_difficult', 'cross_area',
    'abnormal_death', 'minor_involved', 'risk_level', 'deadline_profile', 'intake_committee_id', 'created_by_id',
    'created_at',
)

STAGE_COLUMNS = (
    'id', 'case_id', 'committee_id', 'level', 'kind', 'state', 'previous_stage_id', 'court_id',
    'court_case_number', 'received_at', 'accepted_at', 'number_year', 'number_serial', 'number_prefix', 'clock',
    'deadline_rule', 'due_on', 'due_soon_on', 'due_provisional', 'next_check_on', 'flagged_at',
    'agreement_effective_at', 'outcome', 'ended_at', 'version',
)


_PLACES = ('枫', '溪', '桥', '竹', '石', '梅', '杨', '陈', '安', '华', '岭', '湖', '山', '泉', '塘', '湾', '坞', '岙')
_SURNAMES = '王李张刘陈杨黄赵吴周徐孙马朱胡郭何林罗高'
_DISPUTES = ('邻里纠纷', '宅基地纠纷', '赡养纠纷', '合同纠纷', '损害赔偿纠纷', '劳务费纠纷', '山林土地纠纷', '物业纠纷')
_SOURCES = ('party_application', 'committee_initiative', 'grid_report', 'sweep', 'hotline')


@dataclass
class Org:
    id: int
    kind: str
    name: str
    short_name: str
    parent_id: int | None
    path: str

    def row(self):
        committee = self.name + ('人民调解委员会' if self.kind != 'district' else '矛盾纠纷调解中心')
        return (self.id, self.kind, self.name, committee, self.short_name, f'B{self.id:06d}', self.parent_id,
                self.path, True)


def org_tree() -> list[Org]:
    """One district, TOWNS towns, VILLAGES_PER_TOWN villages in each."""
    district = Org(1, 'district', '枫源区', '枫源', None, '/1/')
    orgs = [district]
    next_id = 2
    for t in range(TOWNS):
        town_name = _PLACES[t % len(_PLACES)] + _PLACES[(t * 7 + 3) % len(_PLACES)] + '镇'
        town = Org(next_id, 'town', town_name, town_name[:-1] + str(t + 1), 1, f'/1/{next_id}/')
        orgs.append(town)
        next_id += 1
        for v in range(VILLAGES_PER_TOWN):
            village_name = _PLACES[v % len(_PLACES)] + _PLACES[(v * 5 + t) % len(_PLACES)] + f'{v + 1}村'
            orgs.append(Org(next_id, 'village', village_name, village_name[:-1], town.id, f'{town.path}{next_id}/'))
            next_id += 1
    return orgs


def is_due(index: int) -> bool:
    return index % DUE_EVERY == DUE_REMAINDER


def due_count(size: int) -> int:
    return sum(1 for i in range(DUE_REMAINDER, size, DUE_EVERY))


def _at(day: date, hour: int) -> datetime:
    """09:00-ish China time on ``day`` as the naive UTC the columns store."""
    return datetime(day.year, day.month, day.day, hour) - timedelta(hours=8)


def rows(size: int, orgs: list[Org], category_ids: list[int]):
    """Yield (case_row, stage_row) for ``size`` cases, one open stage each."""
    villages = [org for org in orgs if org.kind == 'village']
    towns = [org for org in orgs if org.kind == 'town']
    serials: dict[tuple[int, int], int] = {}
    today = SWEEP_DAY
    for i in range(size):
        case_id = i + 1
        # four in five stages at a village, the rest at a town
        committee = towns[i % len(towns)] if i % 5 == 4 else villages[(i * 7) % len(villages)]
        level = committee.kind
        if is_due(i):
            due_on = today - timedelta(days=1 + i % 7)
            accepted_day = due_on - timedelta(days=30)
            due_soon_on = due_on - timedelta(days=7)
            next_check_on = due_on + timedelta(days=1)
            state = 'mediating'
        else:
            accepted_day = today - timedelta(days=1 + i % 18)
            due_on = accepted_day + timedelta(days=30)
            due_soon_on = due_on - timedelta(days=7)
            paused = i % PAUSED_EVERY == PAUSED_REMAINDER
            state = 'paused' if paused else 'mediating'
            next_check_on = None if paused else due_soon_on
        received_at = _at(accepted_day - timedelta(days=1), 10 + i % 6)
        accepted_at = _at(accepted_day, 9 + i % 8)
        year = accepted_day.year
        serial = serials[committee.id, year] = serials.get((committee.id, year), 0) + 1
        surname_a, surname_b = _SURNAMES[i % 20], _SURNAMES[(i * 3 + 1) % 20]
        title = f'{surname_a}某与{surname_b}某{_DISPUTES[i % len(_DISPUTES)]}'
        case = (case_id, f'BM{year}{case_id:010d}', title, category_ids[i % len(category_ids)],
                _SOURCES[i % len(_SOURCES)], '双方因琐事发生争执，申请调解。', '请求调解。', committee.name, None, 2,
                False, False, False, False, False, False, False, None, 'statutory', committee.id, None, received_at)
        stage = (case_id, case_id, committee.id, level, 'people', state, None, None, None, received_at, accepted_at,
                 year, serial, committee.short_name, 'mediation', f'mediation.{level}', due_on, due_soon_on, False,
                 next_check_on, None, None, None, None, 1)
        yield case, stage
