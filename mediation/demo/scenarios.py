"""Plans: what happens to each demo case, on which day, at which committee."""
import random
from dataclasses import dataclass
from dataclasses import field
from datetime import date
from datetime import datetime
from typing import Optional

from mediation.demo.people import People
from mediation.demo.places import COURT
from mediation.demo.places import DISTRICT
from mediation.demo.stories import CATEGORY_WEIGHTS
from mediation.demo.stories import COURT_REASON
from mediation.demo.stories import DEATH_STORIES
from mediation.demo.stories import DECLINE_REASONS
from mediation.demo.stories import FAILURE_REASONS
from mediation.demo.stories import PAUSE_REASONS
from mediation.demo.stories import REFER_UP_REASON
from mediation.demo.stories import REFERRAL_ACCEPT_REASON
from mediation.demo.stories import RETURN_REASON
from mediation.demo.stories import RISK_CATEGORIES
from mediation.demo.stories import RISK_KINDS
from mediation.demo.stories import SOURCE_WEIGHTS
from mediation.demo.stories import STORIES
from mediation.demo.stories import TERMINATE_REASONS
from mediation.demo.stories import VILLAGE_WEIGHTS
from mediation.demo.stories import WITHDRAW_REASONS
from mediation.demo.stories import Story
from mediation.models import Case
from mediation.models import Organisation
from mediation.services.cases import CaseInput
from workflows.enums import Source
from workflows.enums import StageKind

#: Where a step acts: at the case's village, its town or the district (that committee's user acts).
VILLAGE, TOWN, DISTRICT_LEVEL = 'village', 'town', 'district'
#: the court's own steps (a judicial confirmation), by the demo court's officer
COURT_LEVEL = 'court'


@dataclass
class Step:
    day: int  # days after the plan's first day
    where: str  # VILLAGE / TOWN / DISTRICT_LEVEL: whose stage, and whose user acts
    op: str  # 'create' or a trigger name
    reason: str = ''
    data: dict = field(default_factory=dict)
    at: Optional[datetime] = None


@dataclass
class CasePlan:
    scenario: str
    village: Organisation
    town: Organisation
    creator: str  # where the user who logs the case sits
    input: CaseInput
    wet: bool
    court_kind: Optional[StageKind] = None
    steps: list = field(default_factory=list)
    case: Optional[Case] = None


class Timeline:
    """Builds one plan's steps day by day."""

    def __init__(self, rng: random.Random, wet: bool):
        self.rng = rng
        self.wet = wet
        self.day = 0
        self.steps: list[Step] = []

    def then(self, lo: int, hi: int, where: str, op: str, reason: str = '', **data) -> 'Timeline':
        self.day += self.rng.randint(lo, hi)
        self.steps.append(Step(self.day, where, op, reason, data))
        return self

    # Common sequences -------------------------------------------------------------------
    def agree(self, where: str, *, oral: Optional[bool] = None) -> 'Timeline':
        """A session where the parties agree (after an investigation now and then), then the agreement."""
        oral = self.rng.random() < 0.3 if oral is None else oral
        if self.rng.random() < 0.15:
            self.then(0, 3, where, 'investigation')
        self.then(1, 6, where, 'session', outcome='agreed')
        if oral:  # reached and registered at the session
            return self.then(0, 0, where, 'register_oral_agreement')
        self.then(1, 10, where, 'draft_agreement')
        return self.then(0, 3, where, 'sign_agreement')

    def disagree(self, lo: int, hi: int, where: str) -> 'Timeline':
        """A session that ends without agreement, and the failure recorded."""
        self.then(max(0, lo - 3), max(1, hi - 8), where, 'session', outcome='not_agreed')
        return self.then(1, 8, where, 'record_failure', self.rng.choice(FAILURE_REASONS))

    def aftercare(self, where: str, *, close: bool) -> 'Timeline':
        """Performance of the terms (now and then breached and urged), follow-up visits, sometimes judicial
        confirmation; then maybe the dossier closes. The demo's agreements have two terms, the second the
        closing clause, fulfilled when the agreement takes effect."""
        rng = self.rng
        if rng.random() < 0.25:
            self.then(1, 10, where, 'apply_judicial_confirmation', court=COURT[1])
            self.then(1, 3, COURT_LEVEL, 'jc_accept')
            self.then(3, 12, COURT_LEVEL, 'jc_confirm')
        if close or rng.random() < 0.75:
            roll = 1.0 if close else rng.random()
            self.then(0, 2, where, 'performance', term=2, status='fulfilled')
            if roll > 0.45:
                self.then(2, 12, where, 'performance', term=1, status='fulfilled')
            elif roll > 0.2:
                self.then(2, 12, where, 'performance', term=1, status='partly')
            elif roll > 0.05:
                self.then(11, 16, where, 'performance', term=1, status='breached')
                self.then(0, 2, where, 'urge', term=1)
            self.then(3, 15, where, 'follow_up', satisfied=roll > 0.2)
            if close and rng.random() < 0.4:
                self.then(20, 40, where, 'follow_up')
        if close:
            self.then(1, 8, where, 'close')
        return self

    def outcome(self, where: str, kind: str) -> 'Timeline':
        """Finish an accepted stage at ``where`` with one of the common outcomes."""
        rng = self.rng
        if kind == 'mediating':
            return self
        if kind == 'agreed':
            return self.agree(where).aftercare(where, close=False)
        if kind == 'closed':
            return self.agree(where).aftercare(where, close=True)
        if kind == 'paused':
            reason, requested_by = rng.choice(PAUSE_REASONS)
            return self.then(2, 10, where, 'pause', reason, requested_by=requested_by)
        if kind == 'failed':
            return self.disagree(6, 20, where)
        if kind == 'terminated':
            self.then(4, 20, where, 'terminate', rng.choice(TERMINATE_REASONS))
            return self.then(1, 6, where, 'close') if rng.random() < 0.5 else self
        if kind == 'court':
            if rng.random() < 0.6:
                self.disagree(5, 18, where)
            return self.then(0, 3, where, 'refer_to_court', COURT_REASON)
        raise ValueError(kind)

    def refer_up(self, where: str, to: str, *, accept: bool = True, close: bool = False) -> 'Timeline':
        """Refer the stage at ``where`` up (parties consenting); the parent ``to`` usually accepts.

        ``close``: the referring committee closes its own dossier the same or the next day.
        """
        if self.rng.random() < 0.6:
            self.disagree(5, 18, where)
        self.then(0, 2, where, 'refer_up', REFER_UP_REASON, consent=True)
        if close:
            self.then(0, 1, where, 'close')
        return self.then(0, 2, to, 'accept', REFERRAL_ACCEPT_REASON, consent=True) if accept else self


#: scenario → (number of cases, range of days ago for the plan's last step)
SCENARIOS = (
    ('pending', 14, (0, 5)),
    ('declined', 5, (1, 160)),
    ('mediating', 36, (0, 23)),
    ('due_soon', 12, (24, 29)),
    ('overdue', 10, (33, 50)),
    ('paused', 9, (0, 60)),
    ('agreement_pending', 7, (0, 8)),
    ('agreed', 38, (0, 150)),
    ('agreed_oral', 18, (0, 150)),
    ('closed', 48, (3, 160)),
    ('failed', 7, (0, 8)),
    ('withdrawn', 8, (0, 170)),
    ('terminated', 8, (0, 160)),
    ('to_town', 24, (0, 140)),
    ('to_district', 8, (0, 120)),
    ('to_court', 10, (0, 150)),
    ('risk_town', 14, (0, 140)),
    ('town_direct', 8, (0, 140)),
    ('district_direct', 6, (0, 100)),
    ('court_sent', 10, (0, 120)),
)


def _scenario_steps(scenario: str, ordinal: int, tl: Timeline) -> tuple[str, Optional[str], Optional[StageKind]]:
    """Add the scenario's steps; return (creator, intake level, court stage kind).

    ``ordinal`` numbers the cases of one scenario; outcomes rotate with it, so every one occurs.
    """
    rng = tl.rng

    def pick(options):
        return options[ordinal % len(options)]

    creator, intake, court_kind = VILLAGE, None, None
    tl.steps.append(Step(0, VILLAGE, 'create'))
    accept = lambda where=VILLAGE: tl.then(0, 2 if rng.random() < 0.4 else 0, where, 'accept')  # noqa: E731
    if scenario == 'pending':
        pass
    elif scenario == 'declined':
        tl.then(0, 1, VILLAGE, 'decline', rng.choice(DECLINE_REASONS))
        if rng.random() < 0.5:
            tl.then(1, 5, VILLAGE, 'close')
    elif scenario in ('mediating', 'due_soon', 'overdue'):
        accept()
        if scenario == 'mediating' and rng.random() < 0.2:
            tl.then(0, 3, VILLAGE, 'investigation')
        if rng.random() < 0.6:  # a first session; a case near its deadline had it the day it was accepted
            tl.then(*((1, 5) if scenario == 'mediating' else (0, 0)), VILLAGE, 'session', outcome='adjourned')
        if scenario == 'mediating' and rng.random() < 0.15:
            reason, requested_by = rng.choice(PAUSE_REASONS)
            tl.then(2, 6, VILLAGE, 'pause', reason, requested_by=requested_by)
            tl.then(3, 10, VILLAGE, 'resume', '鉴定结论已出，恢复调解')
    elif scenario == 'paused':
        accept()
        tl.outcome(VILLAGE, 'paused')
    elif scenario == 'agreement_pending':
        accept()
        tl.then(2, 14, VILLAGE, 'draft_agreement')
    elif scenario in ('agreed', 'agreed_oral', 'closed'):
        accept()
        if scenario == 'agreed_oral':
            tl.agree(VILLAGE, oral=True).aftercare(VILLAGE, close=False)
        else:
            tl.outcome(VILLAGE, 'closed' if scenario == 'closed' else 'agreed')
    elif scenario == 'failed':
        accept()
        tl.outcome(VILLAGE, 'failed')
    elif scenario == 'withdrawn':
        if rng.random() < 0.7:
            accept()
        tl.then(1, 12, VILLAGE, 'withdraw', rng.choice(WITHDRAW_REASONS))
        if rng.random() < 0.5:
            tl.then(1, 5, VILLAGE, 'close')
    elif scenario == 'terminated':
        accept()
        tl.outcome(VILLAGE, 'terminated')
    elif scenario == 'to_town':
        accept()
        town_outcome = pick(('mediating', 'agreed', 'closed', 'pending', 'paused', 'court', 'agreed', 'closed',
                             'terminated'))
        # 'pending': referred, and still waiting for the town to accept it
        tl.refer_up(VILLAGE, TOWN, accept=town_outcome != 'pending', close=rng.random() < 0.4)
        if town_outcome != 'pending':
            tl.outcome(TOWN, town_outcome)
    elif scenario == 'to_district':
        accept()
        tl.refer_up(VILLAGE, TOWN)
        tl.refer_up(TOWN, DISTRICT_LEVEL)
        tl.outcome(DISTRICT_LEVEL, pick(('mediating', 'agreed', 'closed', 'court')))
    elif scenario == 'to_court':
        accept()
        tl.outcome(VILLAGE, 'court')
        if rng.random() < 0.5:
            tl.then(1, 5, VILLAGE, 'close')
    elif scenario == 'risk_town':
        # logged at the village, taken straight to the town as the risk rules allow
        intake = 'town'
        accept(TOWN)
        tl.outcome(TOWN, pick(('mediating', 'agreed', 'closed', 'court', 'closed')))
    elif scenario == 'town_direct':
        creator = TOWN
        tl.steps[0].where = TOWN
        accept(TOWN)
        tl.outcome(TOWN, pick(('mediating', 'agreed', 'closed', 'failed', 'closed')))
    elif scenario == 'district_direct':
        if rng.random() < 0.5:
            creator = DISTRICT_LEVEL
            tl.steps[0].where = DISTRICT_LEVEL
        else:
            intake = 'district'
        accept(DISTRICT_LEVEL)
        tl.outcome(DISTRICT_LEVEL, pick(('mediating', 'agreed', 'closed')))
    elif scenario == 'court_sent':
        creator = TOWN
        tl.steps[0].where = TOWN
        court_kind = pick((StageKind.COURT_DELEGATED, StageKind.COURT_ENTRUSTED, StageKind.COURT_DELEGATED))
        choice = pick(('mediating', 'agreed', 'returned', 'pending', 'agreed'))
        if choice != 'pending':
            tl.then(0, 1, TOWN, 'accept')
        if choice == 'agreed':
            tl.agree(TOWN, oral=False)
        elif choice == 'returned':
            tl.then(5, 12, TOWN, 'return_to_court', RETURN_REASON)
    else:
        raise ValueError(scenario)
    return creator, intake, court_kind


class Generator:
    """Deterministic plans: a story, its people, flags and a timeline per case."""

    def __init__(self, rng: random.Random, villages, categories, today: date):
        self.rng = rng
        self.villages = villages  # [(village, town)]
        self.categories = categories  # code → Category
        self.people = People(rng, today)

    def weighted(self, weights: dict):
        return self.rng.choices(list(weights), weights=list(weights.values()))[0]

    def plan(self, scenario: str, ordinal: int) -> CasePlan:
        rng = self.rng
        village, town = rng.choices(self.villages, weights=VILLAGE_WEIGHTS)[0]
        risk = RISK_KINDS[scenario][ordinal % len(RISK_KINDS[scenario])] if scenario in RISK_KINDS else None
        code = rng.choice(RISK_CATEGORIES[risk]) if risk else self.weighted(CATEGORY_WEIGHTS)
        category = self.categories[code]
        wet = category.needs_wet_signature
        tl = Timeline(rng, wet)
        creator, intake, court_kind = _scenario_steps(scenario, ordinal, tl)
        if risk == 'death':
            story = DEATH_STORIES[code]
        elif risk == 'large_amount':
            story = rng.choice([story for story in STORIES[code] if story.amount and story.amount[1] >= 100000])
        elif risk in ('large_group', 'group_petition'):
            story = rng.choice([story for story in STORIES[code] if story.group])
        else:
            story = rng.choice(STORIES[code])

        if story.shape == 'elder':
            a = self.people.person(village, town, age=rng.randint(66, 86))
            b = self.people.person(village, town, sex='male' if rng.random() < 0.7 else 'female',
                                   age=rng.randint(38, 58))
        elif story.shape in ('couple', 'couple_m'):
            age = rng.randint(24, 45)
            wife = self.people.person(village, town, sex='female', age=age)
            husband = self.people.person(village, town, sex='male', age=age + rng.randint(-2, 5))
            a, b = (wife, husband) if story.shape == 'couple' else (husband, wife)
        else:
            a = self.people.person(village, town)
            b = None
        parties = [a.party('applicant')]
        if story.firm:
            respondent = self.people.firm(rng.choice(story.firm), town)
            b_name = respondent.name
        else:
            b = b or self.people.person(village, town, other_than=a)
            respondent = b.party('respondent')
            b_name = b.name
        parties.append(respondent)
        if rng.random() < 0.08:
            parties.append(self.people.person(village, town, other_than=a).party('third_party'))

        amount = None
        if story.amount:
            lo, hi = story.amount
            amount = rng.randrange(100000 if risk == 'large_amount' else lo, hi + 1, 100)
        fmt = dict(a=a.name, b=b_name, place=f'{town.name}{village.name}', amount=str(amount) if amount else '')
        flags = self.flags(risk, code, story, len(parties))
        source = self.weighted(SOURCE_WEIGHTS)
        if scenario in ('town_direct', 'district_direct') and creator != VILLAGE:
            source = rng.choice((Source.HOTLINE, Source.POLICE_TRANSFER, Source.PETITION_OFFICE,
                                 Source.GOVERNMENT_ASSIGNED, Source.PARTY_APPLICATION))
        data = CaseInput(title=story.title.format(**fmt), category_id=category.id, source=source.value,
                         facts=story.facts.format(**fmt), requests=story.requests.format(**fmt),
                         place=f'{DISTRICT[0]}{town.name}{village.name}',
                         amount=str(amount) if amount is not None else None, intake_level=intake,
                         minor_involved=code == 'HY-FY', parties=parties, **flags)
        if flags.get('group_dispute'):
            data.title = data.title.replace(f'{a.name}与', f'{a.name}等{flags["people_involved"]}人与', 1)
        return CasePlan(scenario, village, town, creator, data, wet, court_kind, tl.steps)

    def flags(self, risk: Optional[str], code: str, story: Story, party_count: int) -> dict:
        rng = self.rng
        flags = {'people_involved': party_count}
        # the risk kinds of the scenarios that go straight to the town or the district
        if risk == 'cross_area':
            flags['cross_area'] = True
        elif risk == 'large_group':
            flags.update(group_dispute=True, people_involved=rng.randint(10, 40), risk_level='orange')
        elif risk == 'large_amount':
            flags['risk_level'] = 'yellow'
        elif risk == 'mzx':
            flags.update(mzx_risk=True, risk_level='orange')
        elif risk == 'red':
            flags.update(risk_level='red', mzx_risk=rng.random() < 0.5)
        elif risk == 'major':
            flags.update(major_difficult=True, risk_level='orange')
        elif risk == 'death':
            flags.update(abnormal_death=True, major_difficult=True, risk_level='red')
        elif risk == 'group_petition':
            flags.update(group_dispute=True, petition_risk=True, people_involved=rng.randint(12, 60),
                         risk_level='orange')
        if risk:
            return flags
        # everyday cases: now and then a flag that does not change where the case is handled
        roll = rng.random()
        if story.group and roll < 0.3:
            flags.update(group_dispute=True, people_involved=rng.randint(4, 9), petition_risk=roll < 0.1)
        elif roll < 0.03:
            flags.update(risk_level='orange', petition_risk=True)
        elif roll < 0.08:
            flags['risk_level'] = 'yellow'
        elif roll < 0.10 and code in ('JT', 'HT', 'SC'):
            flags['cross_area'] = True
        return flags
