"""The demo's agreements: their text from the story, signatures on screen or on paper, and the seal.

Every written agreement the demo reaches is drafted, finalised, signed and sealed through the
real services, so each one is a verifiable PDF; oral agreements are registered the same way.
"""
import io
import random

from mediation.demo.scenarios import CasePlan
from mediation.demo.stories import CLOSING_TERM
from mediation.demo.stories import MONEY_TERMS
from mediation.demo.stories import OTHER_TERMS
from mediation.demo.stories import RESPONSIBILITIES
from mediation.services import agreements
from mediation.services import sealing
from mediation.services.transitions import apply_transition
from workflows.enums import AgreementKind

#: What the QR codes on the demo's agreements lead to (the address `make run` serves on).
DEMO_BASE_URL = 'http://127.0.0.1:5000'


def draft(plan: CasePlan, stage, actor, rng: random.Random, *, oral: bool, at) -> None:
    """A complete draft of the plan's agreement (oral or written), saved as the mediator would."""
    data = agreements.draft_from_case(stage, actor)
    for line in data.parties:  # what the intake did not ask for
        line.age = line.age or rng.randint(28, 70)
        line.sex = line.sex or rng.choice(('男', '女'))
        line.legal_representative = line.legal_representative or '—'
    names = {'a': data.parties[0].name, 'b': data.parties[1].name if len(data.parties) > 1 else '对方'}
    amount = plan.input.amount
    content, manner = rng.choice(MONEY_TERMS if amount else OTHER_TERMS)
    data.kind = (AgreementKind.ORAL if oral else AgreementKind.WRITTEN).value
    data.disputes = plan.input.requests.replace('请求', f'{names["a"]}要求', 1) + f'{names["b"]}对此有异议。'
    data.responsibility = rng.choice(RESPONSIBILITIES).format(**names)
    place = stage.committee.committee_name
    data.terms = [
        agreements.TermInput(content.format(amount=amount, **names), manner.format(**names), place,
                             '协议生效之日起十日内'),
        agreements.TermInput(CLOSING_TERM[0], CLOSING_TERM[1], place, '协议生效时'),
    ]
    data.recorder = '陈晓梅'
    agreements.save_draft(stage, actor, data, now=at)


def sign_and_seal(stage, actor, rng: random.Random, *, at) -> None:
    """Every signer signs (on paper for personal-relations matters, else on screen); the seal makes it effective."""
    agreement = agreements.agreement_of(stage)
    paper = stage.case.category.needs_wet_signature
    slots = agreements.signer_slots(agreement)
    if paper:
        party_slots = [slot.slot for slot in slots if slot.is_party]
        agreements.record_paper_signatures(stage, actor, party_slots, _scan(rng), now=at)
    for slot in slots:
        if not (paper and slot.is_party):
            agreements.record_screen_signature(stage, actor, slot.slot, _scribble(rng), now=at)
    sealing.seal_agreement(stage, actor, public_base_url=DEMO_BASE_URL, now=at)


def register_oral(plan, stage, actor, rng, *, at) -> None:
    draft(plan, stage, actor, rng, oral=True, at=at)
    apply_transition(stage, 'register_oral_agreement', actor, now=at)


def finalise(plan, stage, actor, rng, *, at) -> None:
    draft(plan, stage, actor, rng, oral=False, at=at)
    apply_transition(stage, 'draft_agreement', actor, now=at)


def _scribble(rng: random.Random) -> bytes:
    """A signature as the pad draws it: a transparent PNG with one flowing stroke."""
    from PIL import Image
    from PIL import ImageDraw
    image = Image.new('RGBA', (360, 140), (0, 0, 0, 0))
    points = [(20 + 40 * step, rng.randint(35, 105)) for step in range(9)]
    ImageDraw.Draw(image).line(points, fill=(20, 20, 30, 255), width=4, joint='curve')
    out = io.BytesIO()
    image.save(out, 'PNG')
    return out.getvalue()


def _scan(rng: random.Random) -> bytes:
    """The 'scan' of a signature page signed on paper: a grey page with signatures and red fingerprints."""
    from PIL import Image
    from PIL import ImageDraw
    page = Image.new('RGB', (620, 400), (236, 236, 232))
    draw = ImageDraw.Draw(page)
    for row in range(3):
        y = 90 + row * 100
        draw.line([(60, y + 30), (300, y + 30)], fill=(90, 90, 90), width=2)
        draw.line([(80 + 30 * step, y + rng.randint(0, 22)) for step in range(7)], fill=(30, 30, 40), width=4)
        draw.ellipse([(420, y - 10), (470, y + 45)], fill=(190, 40, 40))
    out = io.BytesIO()
    page.save(out, 'JPEG', quality=70)
    return out.getvalue()
