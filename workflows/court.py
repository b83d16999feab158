"""The court's case numbers (人民法院案件编号, 2016 rules) and which kind of number each step needs.

A number reads ``（2026）浙0102民诉前调1234号``: the year in full-width brackets, the court's code
(a province's one-character abbreviation and, for intermediate and basic courts, two or four
digits), the case-type code, the serial and 号. Plain brackets are accepted and written full-width.
"""
import re
from dataclasses import dataclass

from workflows.enums import StageKind

#: The case-type codes the court's side of mediation meets (a subset of the 2016 list).
TYPE_CODES = {
    '民诉前调': '民事诉前调解',
    '诉前调确': '诉前调解司法确认',
    '诉前调书': '诉前调解书',
    '民初': '民事一审',
    '民终': '民事二审',
    '民特': '民事特别程序',
    '民辖': '民事管辖',
    '民申': '民事申请再审审查',
    '民再': '民事再审',
    '执': '首次执行',
}

PROVINCES = '京津冀晋蒙辽吉黑沪苏浙皖闽赣鲁豫鄂湘粤桂琼渝川贵云藏陕甘青宁新兵'

_TYPES = '|'.join(sorted(TYPE_CODES, key=len, reverse=True))
_PATTERN = re.compile(rf'^（(?P<year>\d{{4}})）(?P<court>最高法|[{PROVINCES}](?:\d{{2}}|\d{{4}})?)'
                      rf'(?P<type>{_TYPES})(?P<serial>[1-9]\d{{0,6}})号$')

#: The earliest year numbered under the 2016 rules.
FIRST_YEAR = 2016


@dataclass(frozen=True)
class CourtCaseNumber:
    year: int
    court: str
    type_code: str
    serial: int

    def __str__(self):
        return f'（{self.year}）{self.court}{self.type_code}{self.serial}号'


class CourtNumberInvalid(ValueError):
    """The text is not a court case number in the 2016 format; ``message`` says what is wrong, in Chinese."""

    def __init__(self, message):
        super().__init__(message)
        self.message = message


EXAMPLE = '（2026）浙0102民诉前调1234号'


def normalise(text: str) -> str:
    return (text or '').strip().replace('(', '（').replace(')', '）').replace(' ', '').replace('\u3000', '')


def parse_court_case_number(text, *, this_year: int | None = None) -> CourtCaseNumber:
    """The parts of a court case number, or CourtNumberInvalid naming what is wrong."""
    cleaned = normalise(text if isinstance(text, str) else '')
    if not cleaned:
        raise CourtNumberInvalid('请填写法院案号，如' + EXAMPLE)
    match = _PATTERN.match(cleaned)
    if match is None:
        raise CourtNumberInvalid(f'“{cleaned[:40]}”不是有效的法院案号：应为“（年份）法院代字+类型代字+序号+号”，如{EXAMPLE}、'
                                 '（2026）浙0102民初567号、（2026）浙0102民特12号')
    year = int(match['year'])
    if year < FIRST_YEAR or (this_year is not None and year > this_year):
        raise CourtNumberInvalid(f'法院案号的年份{year}不对：应在{FIRST_YEAR}年至今年之间')
    return CourtCaseNumber(year, match['court'], match['type'], int(match['serial']))


def valid_court_case_number(value) -> bool:
    try:
        parse_court_case_number(value)
    except CourtNumberInvalid:
        return False
    return True


#: The type code a delegation's number must carry: pre-filing mediation, or a case already filed.
DELEGATION_TYPES = {
    StageKind.COURT_DELEGATED: ('民诉前调',),
    StageKind.COURT_ENTRUSTED: ('民初',),
    StageKind.COURT_ENTRUSTED_SUMMARY: ('民初',),
}


def confirmation_type(court_delegated: bool) -> str:
    """Since 2022 a confirmation after the court's pre-filing mediation is numbered 诉前调确, else 民特."""
    return '诉前调确' if court_delegated else '民特'


def check_type(number: CourtCaseNumber, allowed: tuple[str, ...], what: str) -> None:
    if number.type_code not in allowed:
        wanted = '或'.join(f'“{code}”' for code in allowed)
        raise CourtNumberInvalid(f'{what}的案号类型应为{wanted}，“{number}”是“{number.type_code}”'
                                 f'（{TYPE_CODES[number.type_code]}）')
