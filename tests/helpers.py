"""Helpers the service tests share: China times, stages brought to a state, firing, sweeping."""
from datetime import datetime
from datetime import timedelta

from mediation.cli import sweep_in_batches
from mediation.extensions import db
from mediation.services.deadlines import refresh_deadline
from mediation.services.transitions import apply_transition
from tests.factories import make_case
from workflows.enums import StageKind

#: China is UTC+8 all year.
CHINA_OFFSET = timedelta(hours=8)


def utc(year, month, day, hour=9, minute=0):
    """A China wall-clock time as the naive UTC the columns store."""
    return datetime(year, month, day, hour, minute) - CHINA_OFFSET


def accepted_stage(user, accepted_at, *, kind=StageKind.PEOPLE, court=None, **data):
    """A new case at ``user``'s committee, accepted at ``accepted_at`` (``data``: the transition's data).

    A ``kind`` other than people's mediation makes it a court-sent stage of ``court`` before acceptance.
    """
    stage = make_case(user, now=accepted_at).stages[0]
    if kind != StageKind.PEOPLE:
        stage.kind, stage.court_id = kind, court.id
        refresh_deadline(stage)
        db.session.commit()
    apply_transition(stage, 'accept', user, data=data, now=accepted_at)
    db.session.commit()
    return stage


def fire(stage, trigger, user, at, reason='', **data):
    """Fire ``trigger`` on ``stage`` at ``at`` and commit, as a request would."""
    apply_transition(stage, trigger, user, reason=reason, data=data, now=at)
    db.session.commit()
    return stage


def sweep(now, **kwargs):
    """The sweep as ``mediation sweep`` runs it (its own connection, a transaction per batch)."""
    db.session.commit()  # SQLite: the session must not hold the write lock the sweep needs
    report = sweep_in_batches(db.engine, now, **kwargs)
    db.session.expire_all()
    return report


def signature_png(text='签') -> bytes:
    """A small PNG of a scribble, as the signature pad sends it."""
    import io

    from PIL import Image
    from PIL import ImageDraw
    image = Image.new('RGBA', (300, 120), (0, 0, 0, 0))
    draw = ImageDraw.Draw(image)
    draw.line([(20, 90), (80, 30), (130, 85), (200, 25), (280, 80)], fill=(0, 0, 0, 255), width=4)
    out = io.BytesIO()
    image.save(out, 'PNG')
    return out.getvalue()


def complete_draft(stage, user, *, kind='written', at=None):
    """A draft holding every item MOJ02 Arts 34-35 requires, saved for ``stage``."""
    from mediation.services import agreements
    data = agreements.draft_from_case(stage, user)
    for line in data.parties:
        line.sex = line.sex or '男'
        line.age = line.age or 40
        line.address = line.address or '枫桥镇枫源村1组1号'
        line.legal_representative = line.legal_representative or '王经理'
    data.kind = kind
    data.facts = data.facts or '双方因排水沟堵塞发生争执。'
    data.disputes = '排水沟由谁疏通、损失由谁承担。'
    data.responsibility = '被申请人未及时清理排水沟，负主要责任。'
    data.terms = [agreements.TermInput(content='被申请人赔偿申请人损失人民币1200元。', manner='银行转账',
                                       place='枫源村村民委员会', deadline='2026年3月20日前')]
    saved = agreements.save_draft(stage, user, data, now=at)
    db.session.commit()
    return saved


def agree_orally(stage, user, at):
    """Bring a mediating stage to ``agreed`` through a registered oral agreement."""
    complete_draft(stage, user, kind='oral', at=at)
    return fire(stage, 'register_oral_agreement', user, at)


def sign_all(stage, user, at=None):
    """Finalise a complete written draft and sign it on screen for every party and the mediator."""
    from mediation.services import agreements
    complete_draft(stage, user, at=at)
    fire(stage, 'draft_agreement', user, at)
    agreement = agreements.agreement_of(stage)
    for slot in agreements.signer_slots(agreement):
        if slot.required:
            agreements.record_screen_signature(stage, user, slot.slot, signature_png(), now=at)
    db.session.commit()
    return agreement


def seal(stage, user, at=None):
    """Keys for the committee, every signature, then the seal: the stage is agreed with a sealed agreement."""
    from mediation.services import sealing
    sealing.init_committee_keys()
    sign_all(stage, user, at)
    issued = sealing.seal_agreement(stage, user, public_base_url='http://mediation.test', now=at)
    db.session.commit()
    return issued


def agreement_records(stage, *, kind='written', signed=('party:0', 'mediator'), paper=False, sealed=False):
    """The records that let the agreement guards pass, written straight in (as tests put a stage in a state).

    A complete agreement with one party; signatures for ``signed`` (on paper when ``paper``);
    and, when ``sealed``, an issued agreement. The real paths are tested in tests/test_agreements.py.
    """
    import hashlib

    from mediation.models import Agreement
    from mediation.models import IssuedDocument
    from mediation.models import Signature
    from mediation.models import StoredFile
    from workflows.enums import AgreementKind
    from workflows.enums import DocumentKind
    from workflows.enums import SignatureMethod
    sha = hashlib.sha256(f'stage-{stage.id}'.encode()).hexdigest()
    if db.session.get(StoredFile, sha) is None:
        db.session.add(StoredFile(sha256=sha, size=1, content_type='image/png'))
    agreement = Agreement(stage_id=stage.id, kind=AgreementKind(kind), facts='事实', disputes='争议',
                          responsibility='责任', mediator='调解员', recorder='',
                          parties=[{'party_id': None, 'role': 'applicant', 'kind': 'person', 'name': '张三', 'sex': '男',
                                    'ethnicity': '汉族', 'age': 40, 'occupation': '', 'address': '枫源村',
                                    'legal_representative': '', 'representative_title': ''}],
                          terms=[{'content': '赔偿1200元', 'manner': '转账', 'place': '村委会', 'deadline': '十日内'}])
    db.session.add(agreement)
    db.session.flush()
    for slot in signed:
        db.session.add(Signature(agreement_id=agreement.id, slot=slot, name='签名人', file_sha256=sha,
                                 method=SignatureMethod.PAPER if paper else SignatureMethod.SCREEN))
    if sealed:
        db.session.add(IssuedDocument(case_id=stage.case_id, stage_id=stage.id, kind=DocumentKind.AGREEMENT,
                                      committee_id=stage.committee_id, case_number=stage.case_number or '（测试）',
                                      verification_code=f'TEST-{stage.id:04d}-0000', file_sha256=sha))
    db.session.flush()
    return agreement
