"""Risk flags → direct intake level, supervisor alert and police-report checklist."""
from decimal import Decimal

import pytest

from workflows.enums import Level
from workflows.risk import RiskFlags
from workflows.risk import RiskRoute
from workflows.risk import RiskRules
from workflows.risk import assess

V, T, D = Level.VILLAGE, Level.TOWN, Level.DISTRICT


@pytest.mark.parametrize(('flags', 'level', 'alert', 'police', 'reasons'), [
    (RiskFlags(), V, False, False, ()),
    (RiskFlags(risk_level='yellow'), V, False, False, ()),
    (RiskFlags(minor_involved=True), V, False, False, ()),
    (RiskFlags(risk_level='orange'), V, True, False, ('橙色风险：当日处置',)),
    (RiskFlags(risk_level='red'), T, True, True, ('红色风险：立即上报',)),
    # The police report is a consequence (``police``), said once by the alert, not part of the reason.
    (RiskFlags(mzx_risk=True), T, True, True, ('有民转刑风险',)),
    (RiskFlags(group_dispute=True, people_involved=10), T, True, False, ('群体性纠纷，涉及10人（10人以上）',)),
    (RiskFlags(group_dispute=True, people_involved=9), V, False, False, ()),
    (RiskFlags(people_involved=30), V, False, False, ()),
    (RiskFlags(amount=Decimal('100000')), T, False, False, ('涉及金额100000元（100000元以上）',)),
    (RiskFlags(amount=Decimal('99999.99')), V, False, False, ()),
    (RiskFlags(cross_area=True), T, False, False, ('跨地区、跨单位纠纷',)),
    (RiskFlags(petition_risk=True), V, True, False, ('有信访风险',)),
    (RiskFlags(major_difficult=True), D, True, False, ('重大疑难纠纷',)),
    (RiskFlags(abnormal_death=True), D, True, False, ('非正常死亡引发的纠纷',)),
    (RiskFlags(group_dispute=True, people_involved=3, petition_risk=True), D, True, False,
     ('有信访风险', '有集体上访倾向')),
    (RiskFlags(mzx_risk=True, major_difficult=True, amount=Decimal('500000')), D, True, True,
     ('有民转刑风险', '涉及金额500000元（100000元以上）', '重大疑难纠纷')),
])
def test_default_rules(flags, level, alert, police, reasons):
    assessment = assess(flags)
    assert assessment.intake_level == level
    assert assessment.alert_supervisor is alert
    assert assessment.police_report is police
    assert assessment.reasons == reasons


def test_thresholds_are_configurable():
    rules = RiskRules(group_threshold=5, amount_threshold=Decimal('50000'))
    assert assess(RiskFlags(group_dispute=True, people_involved=5), rules).intake_level == T
    assert assess(RiskFlags(amount=Decimal('50000')), rules).reasons == ('涉及金额50000元（50000元以上）',)
    assert assess(RiskFlags(group_dispute=True, people_involved=5)).intake_level == V


def test_routes_are_configurable():
    strict = RiskRules(routes=(RiskRoute('cross_area', Level.DISTRICT, True, False, '跨区县纠纷'),))
    assert assess(RiskFlags(cross_area=True), strict).intake_level == D
    assert assess(RiskFlags(mzx_risk=True), strict).police_report is False


def test_unknown_condition_fails_when_configured():
    with pytest.raises(ValueError, match='unknown risk condition'):
        RiskRules(routes=(RiskRoute('typo', Level.TOWN, False, False, ''),))


def test_route_cannot_lead_to_the_court():
    with pytest.raises(ValueError, match='committee level'):
        RiskRules(routes=(RiskRoute('red', Level.COURT, True, True, ''),))


@pytest.mark.parametrize('bad', [{'risk_level': 'blue'}, {'people_involved': -1}])
def test_invalid_flags_are_refused(bad):
    with pytest.raises(ValueError):
        RiskFlags(**bad)


def test_every_default_reason_has_english_wording():
    flags = RiskFlags(mzx_risk=True, group_dispute=True, people_involved=12, amount=Decimal('200000'),
                      major_difficult=True, petition_risk=True, cross_area=True, abnormal_death=True, risk_level='red')
    assessment = assess(flags)
    assert len(assessment.reasons_en) == len(assessment.reasons) == 9
    assert all(reason.isascii() for reason in assessment.reasons_en), assessment.reasons_en
    assert 'group dispute involving 12 people (threshold 10)' in assessment.reasons_en


def test_a_route_without_english_gives_its_chinese():
    rules = RiskRules(routes=(RiskRoute('cross_area', Level.DISTRICT, True, False, '跨区县纠纷'),))
    assert assess(RiskFlags(cross_area=True), rules).reasons_en == ('跨区县纠纷',)
