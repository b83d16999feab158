"""Deadline rules as data: profiles, rule and expiry-action tables, stage deadlines."""
import json
import subprocess
import sys
from datetime import date
from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import settings
from hypothesis import strategies as st

from workflows.calendar import WorkCalendar
from workflows.calendar import chinesecalendar_overrides
from workflows.deadlines import FAST_TRACK
from workflows.deadlines import FAST_TRACK_DATA
from workflows.deadlines import PROFILES
from workflows.deadlines import RULE_KEYS
from workflows.deadlines import STATUTORY
from workflows.deadlines import STATUTORY_DATA
from workflows.deadlines import ClockFacts
from workflows.deadlines import DeadlineRule
from workflows.deadlines import ExpiryAction
from workflows.deadlines import Profile
from workflows.deadlines import Unit
from workflows.deadlines import get_profile
from workflows.deadlines import stage_deadline
from workflows.enums import Clock
from workflows.enums import Level
from workflows.enums import StageKind
from workflows.periods import Pause

CAL_2026 = WorkCalendar(chinesecalendar_overrides(2026), known_years=[2026])
COURT_SENT = [StageKind.COURT_DELEGATED, StageKind.COURT_ENTRUSTED, StageKind.COURT_ENTRUSTED_SUMMARY]


def codes(deadline):
    return [step['code'] for step in deadline.explanation]


# --- profiles -----------------------------------------------------------------------------------

def test_profiles_are_registered_by_name():
    assert PROFILES == {'statutory': STATUTORY, 'fast_track': FAST_TRACK}
    assert get_profile('statutory') is STATUTORY
    assert get_profile('fast_track') is FAST_TRACK


def test_unknown_profile_name_is_a_clear_key_error():
    with pytest.raises(KeyError, match="'bogus'.*fast_track, statutory"):
        get_profile('bogus')


@pytest.mark.parametrize('profile', [STATUTORY, FAST_TRACK])
def test_every_rule_key_exists_in_both_profiles(profile):
    assert set(profile.rules) == set(RULE_KEYS)
    assert all(rule.key == key and rule.label_zh for key, rule in profile.rules.items())


@pytest.mark.parametrize('key, unit, amount, starts_at', [
    ('mediation.village', Unit.MONTHS, 1, 'accepted'),
    ('mediation.town', Unit.MONTHS, 1, 'accepted'),
    ('mediation.district', Unit.MONTHS, 1, 'accepted'),
    ('mediation.court_delegated', Unit.DAYS, 30, 'received'),
    ('mediation.court_entrusted', Unit.DAYS, 15, 'received'),
    ('mediation.court_entrusted_summary', Unit.DAYS, 7, 'received'),
    ('acceptance', Unit.WORKDAYS, 3, 'received'),
    ('jc_apply', Unit.DAYS, 30, 'agreement_effective'),
])
def test_statutory_rules(key, unit, amount, starts_at):
    rule = STATUTORY.rules[key]
    assert (rule.unit, rule.amount, rule.starts_at) == (unit, amount, starts_at)


def test_fast_track_is_the_statutory_data_with_working_day_committee_limits():
    ladder = [FAST_TRACK.rules[f'mediation.{level}'] for level in ('village', 'town', 'district')]
    assert [(rule.unit, rule.amount) for rule in ladder] == [(Unit.WORKDAYS, 1), (Unit.WORKDAYS, 2), (Unit.WORKDAYS, 2)]
    assert FAST_TRACK.rules['acceptance'].amount == 1
    for key in ('mediation.court_delegated', 'mediation.court_entrusted', 'mediation.court_entrusted_summary',
                'jc_apply'):
        assert FAST_TRACK.rules[key] == STATUTORY.rules[key]  # the court's limits are law
    assert FAST_TRACK.expiry_actions == STATUTORY.expiry_actions


@pytest.mark.parametrize('data', [STATUTORY_DATA, FAST_TRACK_DATA])
def test_profiles_round_trip_through_json(data):
    profile = Profile.from_dict(json.loads(json.dumps(data)))
    assert profile == PROFILES[data['name']]


def test_a_deployment_can_define_its_own_profile_as_data():
    data = json.loads(json.dumps(FAST_TRACK_DATA))
    data['name'] = 'local'
    data['rules']['mediation.village'] = {'label_zh': '村级调解期限：10日', 'unit': 'days', 'amount': 10,
                                          'starts_at': 'accepted'}
    data['expiry_actions']['mediation.town'] = 'flag_for_decision'
    profile = Profile.from_dict(data)
    assert profile.rule_for(Clock.MEDIATION, Level.VILLAGE, StageKind.PEOPLE).amount == 10
    assert profile.expiry_action(Clock.MEDIATION, Level.TOWN, StageKind.PEOPLE) is ExpiryAction.FLAG_FOR_DECISION


def test_profile_data_is_checked():
    data = json.loads(json.dumps(STATUTORY_DATA))
    del data['rules']['jc_apply']
    with pytest.raises(ValueError, match='jc_apply'):
        Profile.from_dict(data)
    data = json.loads(json.dumps(STATUTORY_DATA))
    data['rules']['acceptance']['starts_at'] = 'yesterday'
    with pytest.raises(ValueError, match='yesterday'):
        Profile.from_dict(data)
    data = json.loads(json.dumps(STATUTORY_DATA))
    data['expiry_actions']['mediation.moon'] = 'remind'
    with pytest.raises(ValueError, match='mediation.moon'):
        Profile.from_dict(data)


def test_profiles_cannot_be_changed_in_place():
    with pytest.raises(TypeError):
        STATUTORY.rules['mediation.village'] = STATUTORY.rules['jc_apply']
    with pytest.raises(TypeError):
        STATUTORY.expiry_actions['mediation.village'] = ExpiryAction.REMIND


# --- rule and action tables ---------------------------------------------------------------------

@pytest.mark.parametrize('clock, level, kind, key', [
    (Clock.MEDIATION, Level.VILLAGE, StageKind.PEOPLE, 'mediation.village'),
    (Clock.MEDIATION, Level.TOWN, StageKind.PEOPLE, 'mediation.town'),
    (Clock.MEDIATION, Level.DISTRICT, StageKind.PEOPLE, 'mediation.district'),
    (Clock.MEDIATION, Level.TOWN, StageKind.COURT_DELEGATED, 'mediation.court_delegated'),
    (Clock.MEDIATION, Level.VILLAGE, StageKind.COURT_ENTRUSTED, 'mediation.court_entrusted'),
    (Clock.MEDIATION, Level.DISTRICT, StageKind.COURT_ENTRUSTED_SUMMARY, 'mediation.court_entrusted_summary'),
    (Clock.ACCEPTANCE, Level.TOWN, StageKind.PEOPLE, 'acceptance'),
    (Clock.ACCEPTANCE, Level.VILLAGE, StageKind.COURT_DELEGATED, 'acceptance'),
    (Clock.JC_APPLY, Level.VILLAGE, StageKind.PEOPLE, 'jc_apply'),
    (Clock.MEDIATION, Level.COURT, StageKind.COURT, None),
    (Clock.ACCEPTANCE, Level.COURT, StageKind.COURT, None),
    (Clock.MEDIATION, Level.COURT, StageKind.PEOPLE, None),
])
def test_rule_for(clock, level, kind, key):
    for profile in (STATUTORY, FAST_TRACK):
        rule = profile.rule_for(clock, level, kind)
        assert (rule.key if rule else None) == key


@pytest.mark.parametrize('clock, level, kind, action', [
    (Clock.MEDIATION, Level.VILLAGE, StageKind.PEOPLE, ExpiryAction.REFER_UP),
    (Clock.MEDIATION, Level.TOWN, StageKind.PEOPLE, ExpiryAction.REFER_UP),
    (Clock.MEDIATION, Level.DISTRICT, StageKind.PEOPLE, ExpiryAction.FLAG_FOR_DECISION),
    *[(Clock.MEDIATION, level, kind, ExpiryAction.RETURN_TO_COURT)
      for level in (Level.VILLAGE, Level.TOWN, Level.DISTRICT) for kind in COURT_SENT],
    *[(clock, level, kind, ExpiryAction.REMIND)
      for clock in (Clock.ACCEPTANCE, Clock.JC_APPLY)
      for level in (Level.VILLAGE, Level.DISTRICT) for kind in (StageKind.PEOPLE, StageKind.COURT_DELEGATED)],
    (Clock.MEDIATION, Level.COURT, StageKind.COURT, ExpiryAction.REMIND),
])
def test_expiry_actions(clock, level, kind, action):
    for profile in (STATUTORY, FAST_TRACK):
        assert profile.expiry_action(clock, level, kind) is action


@pytest.mark.parametrize('profile, due, expected', [
    (STATUTORY, date(2026, 3, 20), date(2026, 3, 13)),    # Fri → the Friday before
    (STATUTORY, date(2026, 10, 9), date(2026, 9, 24)),    # National Day and Mid-autumn are not counted
    (FAST_TRACK, date(2026, 10, 8), date(2026, 9, 30)),
    (FAST_TRACK, date(2026, 9, 21), date(2026, 9, 20)),   # a make-up Sunday counts
])
def test_due_soon_from(profile, due, expected):
    assert profile.due_soon_from(due, CAL_2026) == expected


def test_due_soon_from_zero_working_days_is_the_due_date():
    profile = Profile.from_dict({**STATUTORY_DATA, 'due_soon_workdays': 0})
    assert profile.due_soon_from(date(2026, 3, 20), CAL_2026) == date(2026, 3, 20)


# --- computing deadlines ------------------------------------------------------------------------

@pytest.mark.parametrize('unit, amount, due', [
    (Unit.MONTHS, 1, date(2026, 3, 12)),
    (Unit.DAYS, 30, date(2026, 3, 16)),
    (Unit.WORKDAYS, 3, date(2026, 2, 24)),
])
def test_rule_compute_dispatches_on_the_unit(unit, amount, due):
    rule = DeadlineRule(key='x', label_zh='测试', unit=unit, amount=amount, starts_at='accepted')
    deadline = rule.compute(date(2026, 2, 12), CAL_2026)
    assert deadline.due == due
    assert deadline.explanation[1]['text'].startswith('受理日')


@pytest.mark.parametrize('profile, clock, level, kind, start, due', [
    (STATUTORY, Clock.MEDIATION, Level.VILLAGE, StageKind.PEOPLE, date(2026, 1, 17), date(2026, 2, 24)),
    (STATUTORY, Clock.MEDIATION, Level.DISTRICT, StageKind.PEOPLE, date(2026, 9, 7), date(2026, 10, 8)),
    (STATUTORY, Clock.MEDIATION, Level.TOWN, StageKind.COURT_DELEGATED, date(2026, 2, 12), date(2026, 3, 16)),
    (STATUTORY, Clock.MEDIATION, Level.TOWN, StageKind.COURT_ENTRUSTED, date(2026, 9, 16), date(2026, 10, 8)),
    (STATUTORY, Clock.MEDIATION, Level.TOWN, StageKind.COURT_ENTRUSTED_SUMMARY, date(2026, 3, 2), date(2026, 3, 9)),
    (STATUTORY, Clock.ACCEPTANCE, Level.TOWN, StageKind.PEOPLE, date(2026, 9, 18), date(2026, 9, 22)),
    (STATUTORY, Clock.JC_APPLY, Level.VILLAGE, StageKind.PEOPLE, date(2026, 2, 12), date(2026, 3, 16)),
    (FAST_TRACK, Clock.ACCEPTANCE, Level.TOWN, StageKind.PEOPLE, date(2026, 9, 18), date(2026, 9, 20)),
    (FAST_TRACK, Clock.MEDIATION, Level.VILLAGE, StageKind.PEOPLE, date(2026, 9, 30), date(2026, 10, 8)),
    (FAST_TRACK, Clock.MEDIATION, Level.TOWN, StageKind.PEOPLE, date(2026, 9, 30), date(2026, 10, 9)),
    (FAST_TRACK, Clock.MEDIATION, Level.TOWN, StageKind.COURT_DELEGATED, date(2026, 2, 12), date(2026, 3, 16)),
])
def test_stage_deadline(profile, clock, level, kind, start, due):
    deadline = stage_deadline(profile, ClockFacts(clock, level, kind, start), CAL_2026)
    assert deadline.due == due
    rule = profile.rule_for(clock, level, kind)
    assert deadline.explanation[0] == {'code': 'rule', 'text': rule.label_zh, 'text_en': rule.label_en,
                                       'rule': rule.key, 'profile': profile.name, 'profile_label': profile.label_zh,
                                       'profile_label_en': profile.label_en}


def test_court_stage_has_no_deadline():
    facts = ClockFacts(Clock.MEDIATION, Level.COURT, StageKind.COURT, date(2026, 3, 2))
    assert stage_deadline(STATUTORY, facts, CAL_2026) is None


def test_stage_deadline_into_a_year_without_data_is_provisional():
    facts = ClockFacts(Clock.MEDIATION, Level.VILLAGE, StageKind.PEOPLE, date(2026, 12, 20))
    deadline = stage_deadline(STATUTORY, facts, CAL_2026)
    assert (deadline.due, deadline.provisional, deadline.provisional_years) == (date(2027, 1, 20), True, {2027})


def test_extensions_run_from_the_previous_due_date():
    facts = ClockFacts(Clock.MEDIATION, Level.VILLAGE, StageKind.PEOPLE, date(2026, 1, 17),
                       extensions=((Unit.DAYS, 10),))
    deadline = stage_deadline(STATUTORY, facts, CAL_2026)
    assert deadline.due == date(2026, 3, 6)  # 02-24 + 10 days
    assert codes(deadline) == ['rule', 'period', 'start', 'raw_end', 'rest_days', 'interim_due',
                               'extension', 'period', 'start', 'raw_end', 'due']
    extension = deadline.explanation[codes(deadline).index('extension')]
    assert (extension['unit'], extension['amount']) == ('days', 10)


def test_pauses_and_extensions_combine():
    facts = ClockFacts(
        Clock.MEDIATION, Level.VILLAGE, StageKind.PEOPLE, date(2026, 11, 10),
        pauses=(Pause(date(2026, 11, 20), date(2026, 11, 25)), Pause(date(2027, 1, 4), date(2027, 1, 6))),
        extensions=((Unit.MONTHS, 1), ('days', 15)),
    )
    deadline = stage_deadline(STATUTORY, facts, CAL_2026)
    # 12-10 + 5 paused days = 12-15; + 1 month = 2027-01-15 + 2 paused days = 01-17 (Sun) → 01-18;
    # + 15 days = 02-02
    assert deadline.due == date(2027, 2, 2)
    assert deadline.provisional_years == {2027}
    assert codes(deadline).count('pause') == 2
    assert codes(deadline).count('interim_due') == 2 and codes(deadline).count('extension') == 2
    assert codes(deadline).count('provisional') == 1
    assert codes(deadline)[-1] == 'due'
    json.dumps(deadline.explanation)

    loaded = WorkCalendar(chinesecalendar_overrides(2026), known_years=[2026, 2027])
    final = stage_deadline(STATUTORY, facts, loaded)
    assert final.due == date(2027, 2, 2) and not final.provisional
    assert 'provisional' not in codes(final)


@settings(max_examples=100, deadline=None)
@given(st.dates(min_value=date(2026, 1, 1), max_value=date(2026, 12, 31)),
       st.lists(st.tuples(st.sampled_from(Unit), st.integers(1, 20)), max_size=3))
def test_extensions_never_bring_the_due_date_forward(start, extensions):
    base = ClockFacts(Clock.MEDIATION, Level.TOWN, StageKind.PEOPLE, start)
    extended = ClockFacts(Clock.MEDIATION, Level.TOWN, StageKind.PEOPLE, start, extensions=tuple(extensions))
    base_due = stage_deadline(STATUTORY, base, CAL_2026).due
    deadline = stage_deadline(STATUTORY, extended, CAL_2026)
    assert deadline.due >= base_due and CAL_2026.is_workday(deadline.due)
    assert deadline.due > base_due or not extensions


def test_workflows_stays_plain_python():
    code = ('import sys, workflows.deadlines; '
            'assert not {"flask", "mediation", "chinese_calendar"} & set(sys.modules), sorted(sys.modules)')
    subprocess.run([sys.executable, '-c', code], check=True, cwd=Path(__file__).resolve().parents[2])


def test_a_rule_can_narrow_the_due_soon_window():
    """A 3-working-day acceptance limit is not 'due soon' the moment the referral arrives."""
    profile = get_profile('statutory')
    acceptance = profile.rules['acceptance']
    due = date(2026, 3, 20)  # a Friday
    assert profile.due_soon_from(due, CAL_2026) == date(2026, 3, 13)
    assert profile.due_soon_from(due, CAL_2026, acceptance) == date(2026, 3, 19)
    assert profile.due_soon_from(due, CAL_2026, profile.rules['mediation.village']) == date(2026, 3, 13)
