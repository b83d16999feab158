"""Replaying the plans through the real services, in one timeline sorted by time."""
import heapq
import itertools
import random
from datetime import date
from datetime import datetime
from datetime import time
from datetime import timedelta

from mediation.chinatime import to_utc_naive
from mediation.demo import agreements as demo_agreements
from mediation.demo import records as demo_records
from mediation.demo.places import COURT
from mediation.demo.places import DISTRICT_CODE
from mediation.demo.scenarios import COURT_LEVEL
from mediation.demo.scenarios import DISTRICT_LEVEL
from mediation.demo.scenarios import TOWN
from mediation.demo.scenarios import VILLAGE
from mediation.demo.scenarios import CasePlan
from mediation.extensions import db
from mediation.models import Case
from mediation.models import InvitedOrganisation
from mediation.models import Organisation
from mediation.models import Stage
from mediation.services.cases import create_case
from mediation.services.court import DelegationInput
from mediation.services.court import delegate_case
from mediation.services.transitions import apply_transition
from workflows.enums import OrgKind
from workflows.enums import StageKind

#: Cases start at most this many days before today (unless a long history cannot fit).
HISTORY_DAYS = 180


#: Ops after which the stage that acted is still open with its mediation clock running.
_RUNNING_ENDINGS = {'accept', 'resume', 'draft_agreement', 'record_failure'}
#: Ops after which a stage waits for acceptance (a fresh intake, or a referral at the parent).
_PENDING_ENDINGS = {'create', 'refer_up'}


def _ending_range(plan: CasePlan, ago: tuple[int, int]) -> tuple[int, int]:
    """Days ago for the last step: an open stage must not have sat for months without the sweep.

    Only the ``due_soon`` and ``overdue`` scenarios place a running clock near or past its
    deadline on purpose; any other open ending is placed so that the deadline is still ahead.
    """
    if plan.scenario in ('due_soon', 'overdue'):
        return ago
    # a work record (a session, a note) changes no state: the stage is where its last transition left it
    last = next(step for step in reversed(plan.steps) if step.op not in demo_records.STEPS)
    if last.op in _PENDING_ENDINGS:
        return 0, min(ago[1], 3)
    if last.op == 'pause':
        return 0, min(ago[1], 40)
    if last.op in _RUNNING_ENDINGS:
        accepted = next(step for step in reversed(plan.steps) if step.op == 'accept' and step.where == last.where)
        limit = 12 if plan.court_kind == StageKind.COURT_ENTRUSTED else 25
        return 0, max(0, min(ago[1], limit - (plan.steps[-1].day - accepted.day)))
    return ago


def schedule(rng: random.Random, plan: CasePlan, ago: tuple[int, int], today: date, now: datetime) -> None:
    """Turn the plan's day offsets into historic timestamps during Beijing office hours."""
    span = plan.steps[-1].day
    lo, hi = _ending_range(plan, ago)
    # keep the whole history within the last six months or so
    end_ago = rng.randint(lo, max(lo, min(hi, HISTORY_DAYS - span)))
    first = today - timedelta(days=end_ago + span)
    clock = None
    for index, step in enumerate(plan.steps):
        day = first + timedelta(days=step.day)
        if index and step.day == plan.steps[index - 1].day:
            clock += timedelta(minutes=rng.randint(15, 90))
        else:
            clock = datetime.combine(day, time(8, 30)) + timedelta(minutes=rng.randint(0, 150))
        step.at = to_utc_naive(clock)
    # Nothing in the future: pull today's late steps back before now, keeping their order.
    latest = now - timedelta(minutes=1)
    for step in reversed(plan.steps):
        step.at = min(step.at, latest)
        latest = step.at - timedelta(minutes=1)


def _stage_at(case: Case, org: Organisation) -> Stage:
    return next(stage for stage in reversed(case.stages) if stage.committee_id == org.id)


#: The steps the court takes on a judicial confirmation (the stage at the court, its officer acting).
_COURT_STEPS = {'jc_accept', 'jc_confirm'}


def run(plans: list[CasePlan], orgs: dict, users: dict, rng: random.Random) -> None:
    court = orgs[COURT[0]]
    district = orgs[DISTRICT_CODE]
    _invite_every_committee(court, orgs)
    serials = itertools.count(101)

    def where_org(plan, where):
        return {VILLAGE: plan.village, TOWN: plan.town, DISTRICT_LEVEL: district, COURT_LEVEL: court}[where]

    sequence = itertools.count()
    queue = [(plan.steps[0].at, next(sequence), plan, 0) for plan in plans]
    heapq.heapify(queue)
    while queue:
        _, _, plan, index = heapq.heappop(queue)
        step = plan.steps[index]
        actor = users[where_org(plan, step.where).id]
        if step.op == 'create' and plan.court_kind:
            plan.case = _send_down(plan, users[court.id], next(serials), step.at)
        elif step.op == 'create':
            plan.case = create_case(actor, plan.input, now=step.at).case
        elif step.op in _CONFIRMATION_STEPS and not plan.case.category.confirmable:
            pass  # CPLI Art 355: no court confirms an agreement on an identity relation
        elif step.op in _AGREEMENT_STEPS:
            stage = _stage_at(plan.case, where_org(plan, step.where))
            _AGREEMENT_STEPS[step.op](plan, stage, actor, rng, at=step.at)
        elif step.op in demo_records.STEPS:
            stage = _stage_at(plan.case, where_org(plan, step.where))
            demo_records.STEPS[step.op](plan, stage, actor, rng, at=step.at, **step.data)
        else:
            org = where_org(plan, step.where)
            data = dict(step.data)
            if step.op == 'jc_accept':
                data['court_case_number'] = f'（{step.at.year}）浙9901民特{next(serials)}号'
            apply_transition(_stage_at(plan.case, org), step.op, actor, reason=step.reason, data=data,
                             now=step.at)
        if index + 1 < len(plan.steps):
            heapq.heappush(queue, (plan.steps[index + 1].at, next(sequence), plan, index + 1))


#: Steps done through the agreement's services: drafting, registering orally, signing and sealing.
_AGREEMENT_STEPS = {
    'register_oral_agreement': demo_agreements.register_oral,
    'draft_agreement': demo_agreements.finalise,
    'sign_agreement': lambda plan, stage, actor, rng, at: demo_agreements.sign_and_seal(stage, actor, rng, at=at),
}


#: Steps of a judicial confirmation (the application at the committee, then the court's).
_CONFIRMATION_STEPS = {'apply_judicial_confirmation'} | _COURT_STEPS


def _invite_every_committee(court: Organisation, orgs: dict) -> None:
    """The demo court's roster of invited organisations: every committee of the district it serves."""
    for org in orgs.values():
        if org.kind != OrgKind.COURT and db.session.get(InvitedOrganisation, (court.id, org.id)) is None:
            db.session.add(InvitedOrganisation(court_id=court.id, committee_id=org.id))
    db.session.flush()


def _send_down(plan: CasePlan, officer, serial: int, at) -> Case:
    """The court delegates (委派) or entrusts (委托) the case to the town's committee, through the service."""
    entrusted = plan.court_kind == StageKind.COURT_ENTRUSTED
    year = at.year
    number = f'（{year}）浙9901民初{serial}号' if entrusted else f'（{year}）浙9901民诉前调{serial}号'
    data = plan.input
    return delegate_case(officer, DelegationInput(
        kind=plan.court_kind.value, court_case_number=number, committee_id=plan.town.id, title=data.title,
        facts=data.facts, category_id=data.category_id, parties=data.parties,
        reason='原告同意诉前委派调解' if not entrusted else '经当事人同意，委托调解'), now=at)
