"""The demo's work records: sessions with each side's statement, investigations, small evidence files (a
generated photo, a scanned page as PDF), performance of the agreed terms with an urging now and then, and
follow-up visits. All go through ``services.records`` at the step's historic time, like real use."""
import io
import random
from datetime import timedelta
from functools import lru_cache

from mediation.chinatime import china_date
from mediation.demo.stories import APPLICANT_STATEMENTS
from mediation.demo.stories import FACTS_CHECKED
from mediation.demo.stories import INVESTIGATION_EVIDENCE
from mediation.demo.stories import INVESTIGATIONS
from mediation.demo.stories import NEXT_STEPS
from mediation.demo.stories import PERFORMANCE_NOTES
from mediation.demo.stories import PROPOSALS
from mediation.demo.stories import RESPONDENT_STATEMENTS
from mediation.demo.stories import SESSION_EVIDENCE
from mediation.demo.stories import THIRD_PARTY_STATEMENTS
from mediation.demo.stories import URGING_NOTES
from mediation.demo.stories import VISITS
from mediation.services import records
from workflows.enums import PartyRole

#: How often a session or an investigation comes with a file.
EVIDENCE_SHARE = 0.3


def session(plan, stage, actor, rng: random.Random, *, at, outcome: str) -> None:
    case = stage.case
    names = {'a': case.parties[0].name, 'b': case.parties[1].name if len(case.parties) > 1 else '对方',
             'requests': plan.input.requests or ''}
    statements = []
    for party in case.parties:
        pool = {PartyRole.APPLICANT: APPLICANT_STATEMENTS, PartyRole.RESPONDENT: RESPONDENT_STATEMENTS}.get(
            party.role, THIRD_PARTY_STATEMENTS)
        statements.append(records.StatementInput(party.id, rng.choice(pool).format(**names)))
    held_at = at - timedelta(minutes=rng.randint(0, 30))  # written up just after
    if held_at < (stage.accepted_at or stage.received_at):
        held_at = at
    record = records.add_session(stage, actor, records.SessionInput(
        held_at=held_at, place=f'{stage.committee.committee_name}调解室', mediators=actor.display_name,
        recorder='陈晓梅', parties_present='、'.join(party.name for party in case.parties),
        participants=rng.choice(('', '', '村民小组长王建国')), statements=statements,
        facts_checked=rng.choice(FACTS_CHECKED), proposal=rng.choice(PROPOSALS).format(**names), outcome=outcome,
        next_step=NEXT_STEPS[outcome],
        next_session_on=china_date(at) + timedelta(days=rng.randint(3, 10)) if outcome == 'adjourned' else None),
        now=at)
    if rng.random() < EVIDENCE_SHARE:
        kind, title, provider = rng.choice(SESSION_EVIDENCE)
        _evidence(stage, actor, rng, at, kind, title, provider, session_id=record.id)


def investigation(plan, stage, actor, rng: random.Random, *, at) -> None:
    subject, details, content = rng.choice(INVESTIGATIONS)
    record = records.add_investigation(stage, actor, records.InvestigationInput(
        held_at=at - timedelta(minutes=rng.randint(0, 30)), place=plan.input.place or stage.committee.name,
        investigators=actor.display_name, recorder='陈晓梅', subject=subject, subject_details=details,
        content=content), now=at)
    if rng.random() < EVIDENCE_SHARE * 2:
        kind, title, provider = rng.choice(INVESTIGATION_EVIDENCE)
        _evidence(stage, actor, rng, at, kind, title, provider, investigation_id=record.id)


def _evidence(stage, actor, rng, at, kind, title, provider, **link) -> None:
    variant = rng.randrange(3)
    if kind == 'document':
        data, filename = _scanned_page(variant), f'{title}.pdf'
    else:
        data, filename = _photo(variant), f'IMG_2026{variant:04d}.png'
    records.add_evidence(stage, actor, records.EvidenceInput(
        evidence_kind=kind, title=title, provided_by=provider, filename=filename, data=data, **link), now=at)


def performance(plan, stage, actor, rng: random.Random, *, at, term: int, status: str) -> None:
    records.record_performance(stage, actor, records.PerformanceInput(
        term_no=term, status=status, checked_on=china_date(at), note=rng.choice(PERFORMANCE_NOTES[status])), now=at)


def urge(plan, stage, actor, rng: random.Random, *, at, term: int) -> None:
    records.record_performance(stage, actor, records.PerformanceInput(
        term_no=term, status=records.URGED, checked_on=china_date(at), note=rng.choice(URGING_NOTES)), now=at)


def follow_up(plan, stage, actor, rng: random.Random, *, at, satisfied: bool = True) -> None:
    method, satisfaction, situation = rng.choice(VISITS[:3] if satisfied else VISITS[2:])
    case = stage.case
    records.add_follow_up(stage, actor, records.FollowUpInput(
        visited_on=china_date(at), method=method, visitors=actor.display_name,
        person_visited=rng.choice(case.parties).name, situation=situation,
        performance='fulfilled' if satisfaction == 'satisfied' else 'partly', satisfaction=satisfaction), now=at)


#: op name in a plan → what it does (the replay calls it with the stage and its committee's user).
STEPS = {
    'session': session,
    'investigation': investigation,
    'performance': performance,
    'urge': urge,
    'follow_up': follow_up,
}


@lru_cache(maxsize=None)
def _photo(variant: int) -> bytes:
    """A small 'photo' of the site: a wall, the ground, a puddle or a pile (three variants, stored once each)."""
    from PIL import Image
    from PIL import ImageDraw
    image = Image.new('RGB', (320, 240), (176, 196, 222))
    draw = ImageDraw.Draw(image)
    draw.rectangle([(0, 150), (320, 240)], fill=(120, 110, 95))
    draw.rectangle([(30 + 40 * variant, 60), (200 + 30 * variant, 160)], fill=(205, 200, 190), outline=(90, 90, 90))
    draw.ellipse([(60 + 50 * variant, 175), (200 + 30 * variant, 225)], fill=(90, 120, 150))
    out = io.BytesIO()
    image.save(out, 'PNG', optimize=True)
    return out.getvalue()


@lru_cache(maxsize=None)
def _scanned_page(variant: int) -> bytes:
    """A 'scanned' page as a one-page PDF: ruled lines and a red stamp."""
    from PIL import Image
    from PIL import ImageDraw
    page = Image.new('L', (248, 350), 244)
    draw = ImageDraw.Draw(page)
    for row in range(14):
        draw.line([(24, 40 + row * 20), (224 - 7 * ((row + variant) % 4), 40 + row * 20)], fill=120, width=1)
    draw.ellipse([(150, 270), (210, 330)], outline=90, width=3)
    out = io.BytesIO()
    page.save(out, 'PDF', resolution=72)
    return out.getvalue()
