"""Validation, normalisation and masking of personal and organisation identifiers.

Plain helpers (no Flask) shared by forms, services and models:

* resident ID numbers (公民身份号码, GB 11643-1999), including the Hong Kong, Macao and Taiwan
  residents' residence permits (810000/820000/830000);
* unified social credit codes (统一社会信用代码, GB 32100-2015), including the N/A/Y-prefixed
  codes that ``python-stdnum`` wrongly rejects;
* mainland mobile and landline phone numbers;
* masking for lists, search results and exports (domain.md §6.4).

Every validation error is an :class:`InvalidIdentifier` whose ``message`` is a specific Chinese
sentence suitable for showing next to the form field.
"""
import re
import unicodedata
from dataclasses import dataclass
from datetime import date


class InvalidIdentifier(ValueError):
    """A value that is not a valid identifier; ``message`` is shown to the user as-is."""

    def __init__(self, message: str):
        super().__init__(message)
        self.message = message


def _compact(value, *, strip_hyphens: bool = True) -> str:
    """Fold full-width characters (common with Chinese input methods) and drop spaces/hyphens."""
    if value is None:
        return ''
    text = unicodedata.normalize('NFKC', str(value))
    text = re.sub(r'\s+', '', text)
    if strip_hyphens:
        text = text.replace('-', '')
    return text


# --------------------------------------------------------------------------------------------
# Resident ID number (GB 11643-1999)
# --------------------------------------------------------------------------------------------

#: 2^(17-i) mod 11 for positions 1..17 (ISO 7064 MOD 11-2).
RESIDENT_ID_WEIGHTS = (7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2)
#: Check character for each remainder 0..10 of the weighted sum.
RESIDENT_ID_CHECK_CHARS = '10X98765432'
#: Address codes of the residence permits for Hong Kong, Macao and Taiwan residents.
HMT_RESIDENCE_PERMIT_PREFIXES = frozenset({'810000', '820000', '830000'})
#: Province-level prefixes of GB/T 2260 plus 81/82/83 for the residence permits. Used only for a
#: warning: the table is from memory, and other number series (e.g. the 2023 foreigners'
#: permanent-residence ID, said to start with 9) may exist.
KNOWN_PROVINCE_CODES = frozenset(
    '11 12 13 14 15 21 22 23 31 32 33 34 35 36 37 41 42 43 44 45 46 50 51 52 53 54 '
    '61 62 63 64 65 71 81 82 83'.split()
)
EARLIEST_PLAUSIBLE_BIRTH_YEAR = 1900


@dataclass(frozen=True)
class ResidentId:
    """A validated resident ID number and the facts it encodes."""

    #: 18 characters, check character upper-case.
    number: str
    birth_date: date
    #: 'male' or 'female' (the 17th digit is odd for men).
    sex: str
    #: 'resident' or 'hmt_residence_permit' (Hong Kong, Macao, Taiwan residents' permits).
    kind: str


def resident_id_check_char(first17: str) -> str:
    """Return the ISO 7064 MOD 11-2 check character for the first 17 digits of an ID number."""
    total = sum(int(digit) * weight for digit, weight in zip(first17, RESIDENT_ID_WEIGHTS, strict=True))
    return RESIDENT_ID_CHECK_CHARS[total % 11]


def normalise_resident_id(value) -> str:
    """Return the canonical spelling of an ID number without validating it.

    Folds full-width characters, removes spaces and hyphens and upper-cases the trailing ``x``.
    Validated numbers (:func:`parse_resident_id`) use exactly this spelling, so the result can be
    hashed for an exact-match search even when the user's search input is itself invalid.
    """
    return _compact(value).upper()


def parse_resident_id(value: str, *, today: date | None = None) -> ResidentId:
    """Validate an 18-character resident ID number and decode it.

    Checks, in order: length (15-digit first-generation numbers are refused), characters, the
    check character, and the birth date (a real date, not after ``today``, not before 1900).
    The address code is not checked here (see :func:`resident_id_warnings`).

    :raise InvalidIdentifier: with a specific Chinese message.
    """
    number = normalise_resident_id(value)
    if not number:
        raise InvalidIdentifier('请输入身份证号码')
    if len(number) == 15 and number.isdigit():
        raise InvalidIdentifier('15位的第一代身份证号码已停止使用，请填写18位的第二代身份证号码')
    if len(number) != 18:
        raise InvalidIdentifier(f'身份证号码应为18位，您输入了{len(number)}位')
    # isascii() guards against other Unicode digits that str.isdigit() would accept.
    first17, check_char = number[:17], number[17]
    if not (first17.isascii() and first17.isdigit()):
        bad = next(ch for ch in first17 if not ('0' <= ch <= '9'))
        raise InvalidIdentifier(f'身份证号码前17位只能是数字，不能包含“{bad}”')
    if check_char not in '0123456789X':
        raise InvalidIdentifier(f'身份证号码最后一位只能是数字或字母X，不能是“{check_char}”')
    if resident_id_check_char(first17) != check_char:
        raise InvalidIdentifier('身份证号码校验位错误，请核对后重新输入')

    birth_date = _birth_date_from_id(number[6:14], today or date.today())
    return ResidentId(
        number=number,
        birth_date=birth_date,
        sex='male' if int(number[16]) % 2 else 'female',
        kind='hmt_residence_permit' if number[:6] in HMT_RESIDENCE_PERMIT_PREFIXES else 'resident',
    )


def _birth_date_from_id(digits: str, today: date) -> date:
    year, month, day = int(digits[:4]), int(digits[4:6]), int(digits[6:])
    try:
        birth_date = date(year, month, day)
    except ValueError:
        raise InvalidIdentifier(
            f'身份证号码中的出生日期{digits[:4]}年{digits[4:6]}月{digits[6:]}日不存在，请核对后重新输入'
        ) from None
    if birth_date > today:
        raise InvalidIdentifier(f'身份证号码中的出生日期{birth_date:%Y年%m月%d日}晚于今天，请核对后重新输入')
    if year < EARLIEST_PLAUSIBLE_BIRTH_YEAR:
        raise InvalidIdentifier(f'身份证号码中的出生年份{year}年早于{EARLIEST_PLAUSIBLE_BIRTH_YEAR}年，请核对后重新输入')
    return birth_date


def resident_id_warnings(resident_id: ResidentId) -> list[str]:
    """Return soft warnings (Chinese) about a valid number, e.g. an unrecognised province code.

    Domain.md §6.1: an address-code mismatch is a warning, never a hard error.
    """
    province = resident_id.number[:2]
    if province not in KNOWN_PROVINCE_CODES:
        return [f'身份证号码前两位“{province}”不是已知的省级行政区划代码，请核对']
    return []


# --------------------------------------------------------------------------------------------
# Unified social credit code (GB 32100-2015)
# --------------------------------------------------------------------------------------------

#: Digits and capitals without I, O, Z, S, V; a character's value is its index here.
USCC_CHARSET = '0123456789ABCDEFGHJKLMNPQRTUWXY'
#: 3^i mod 31 for positions 1..17.
USCC_WEIGHTS = (1, 3, 9, 27, 19, 26, 16, 17, 20, 29, 25, 13, 8, 24, 10, 30, 28)
#: Registration authorities (position 1): 1–9, A 中央军委改革和编制办公室, N 农业 (rural collective
#: economic organisations), Y 其他.
USCC_AUTHORITIES = '123456789ANY'
_ORGANISATION_CODE_WEIGHTS = (3, 7, 9, 10, 5, 8, 4, 2)


def uscc_check_char(first17: str) -> str:
    """Return the GB 32100 check character for the first 17 characters of a credit code."""
    total = sum(USCC_CHARSET.index(ch) * weight for ch, weight in zip(first17, USCC_WEIGHTS, strict=True))
    return USCC_CHARSET[(31 - total % 31) % 31]


def parse_uscc(value: str) -> str:
    """Validate a unified social credit code and return it normalised (upper-case, no spaces).

    Checks length, the character set, the registration-authority code in position 1 and the
    check character. Codes of rural collective economic organisations (N…), A… and Y… are valid.
    The embedded organisation code's own check character is deliberately not enforced (the rule
    is unverified; see :func:`organisation_code_check_ok`).

    :raise InvalidIdentifier: with a specific Chinese message.
    """
    code = _compact(value).upper()
    if not code:
        raise InvalidIdentifier('请输入统一社会信用代码')
    if len(code) != 18:
        raise InvalidIdentifier(f'统一社会信用代码应为18位，您输入了{len(code)}位')
    for position, ch in enumerate(code, start=1):
        if ch in 'IOZSV':
            raise InvalidIdentifier(
                f'统一社会信用代码不使用字母I、O、Z、S、V，第{position}位的“{ch}”有误（是否应为数字1、0、2、5？）'
            )
        if ch not in USCC_CHARSET:
            raise InvalidIdentifier(f'统一社会信用代码只能包含数字和大写字母，第{position}位的“{ch}”不合法')
    if code[0] not in USCC_AUTHORITIES:
        raise InvalidIdentifier(f'统一社会信用代码第1位（登记管理部门代码）不能是“{code[0]}”，应为1至9或A、N、Y')
    if uscc_check_char(code[:17]) != code[17]:
        raise InvalidIdentifier('统一社会信用代码校验位错误，请核对后重新输入')
    return code


def organisation_code_check_ok(uscc: str) -> bool:
    """Whether the organisation code embedded in positions 9–17 has a correct check character.

    GB 11714 rule as recalled in domain.md §6.2 (weights 3 7 9 10 5 8 4 2, letters A=10 … Z=35,
    check = 11 − sum mod 11, 10 → X, 11 → 0). Unverified, so callers may show a hint but must
    not reject a code because of it.
    """
    org_code = normalise_uscc(uscc)[8:17]
    if len(org_code) != 9 or not org_code[:8].isalnum() or not org_code.isascii():
        return False
    total = sum(int(ch, 36) * weight for ch, weight in zip(org_code[:8], _ORGANISATION_CODE_WEIGHTS))
    check = 11 - total % 11
    expected = {10: 'X', 11: '0'}.get(check, str(check))
    return org_code[8] == expected


def normalise_uscc(value) -> str:
    """Return the canonical spelling (upper-case, no spaces/hyphens) without validating."""
    return _compact(value).upper()


# --------------------------------------------------------------------------------------------
# Phone numbers
# --------------------------------------------------------------------------------------------

_EXTENSION_RE = re.compile(r'^(?P<main>.*?)(?:转|分机|ext\.?|x|#)(?P<ext>\d*)$', re.IGNORECASE)


def parse_phone(value: str) -> str:
    """Validate a mainland phone number and return it normalised.

    * Mobile: 11 digits ``1[3-9]…``; an optional ``+86``/``0086``/``86`` prefix, spaces and
      hyphens are accepted; stored as the bare 11 digits (``13812345678``).
    * Landline: area code (0 + 2–3 digits) and a 7–8 digit number, optional extension written
      with 转/分机/ext/x/# or a further hyphen; stored as ``0571-88886666`` or
      ``0571-88886666-123``. Without separators the area code is split by the numbering plan
      (010 and 02x are three digits, all others four).

    :raise InvalidIdentifier: with a specific Chinese message.
    """
    text = _compact(value, strip_hyphens=False)
    if not text:
        raise InvalidIdentifier('请输入联系电话')

    extension = None
    match = _EXTENSION_RE.match(text)
    if match:
        text, extension = match['main'], match['ext']
        if not 1 <= len(extension) <= 6:
            raise InvalidIdentifier('分机号应为1至6位数字')
    # '(0571)88886666' → '0571-88886666'
    text = text.replace('(', '').replace(')', '-')

    international = text.startswith(('+', '00'))
    if international:
        country_and_number = text.removeprefix('+').removeprefix('00').lstrip('-')
        if not country_and_number.startswith('86'):
            raise InvalidIdentifier('仅支持中国大陆电话号码（国际区号+86）')
        text = country_and_number[2:]
    text = text.strip('-')
    illegal = re.search(r'[^\d-]', text)
    if illegal:
        raise InvalidIdentifier(f'电话号码只能包含数字、空格和连字符，不能包含“{illegal.group()}”')

    digits = text.replace('-', '')
    if not international and len(digits) == 13 and digits.startswith('861'):
        digits, text = digits[2:], digits[2:]  # '86' written without '+'
    # '+86 10 …' is a Beijing landline (area code 010 without its 0), not a mobile number.
    if digits.startswith('1') and not (international and digits.startswith('10')):
        if extension is not None:
            raise InvalidIdentifier('手机号码不能带分机号')
        return _mobile(digits)
    if international and not digits.startswith('0'):
        text = '0' + text  # the international form drops the trunk prefix 0
    return _landline(text, extension)


def _mobile(digits: str) -> str:
    if len(digits) != 11:
        raise InvalidIdentifier(f'手机号码应为11位，您输入了{len(digits)}位')
    if digits[1] not in '3456789':
        raise InvalidIdentifier(f'手机号码第2位应为3至9，不能是“{digits[1]}”')
    return digits


def _landline(text: str, extension: str | None) -> str:
    groups = [group for group in text.split('-') if group]
    if not groups:
        raise InvalidIdentifier('请输入联系电话')
    if not groups[0].startswith('0'):
        if len(groups) == 1 and 7 <= len(groups[0]) <= 8:
            raise InvalidIdentifier('固定电话请填写区号，例如0571-88886666')
        raise InvalidIdentifier('电话号码格式不正确：手机号码应以1开头，固定电话应以区号0开头')

    if len(groups) == 1:
        digits = groups[0]
        area_length = 3 if digits[1:2] in ('1', '2') else 4
        area, rest = digits[:area_length], [digits[area_length:]]
    else:
        area, rest = groups[0], groups[1:]
    # Re-join a number written in blocks ('0571-8888-6666'); a leftover block is the extension.
    subscriber, used = rest[0], 1
    while len(subscriber) < 7 and used < len(rest):
        subscriber += rest[used]
        used += 1
    leftover = rest[used:]
    if leftover:
        if extension is not None or len(leftover) > 1 or not 1 <= len(leftover[0]) <= 6:
            raise InvalidIdentifier('固定电话格式不正确，应为“区号-号码”或“区号-号码-分机号”')
        extension = leftover[0]

    if not re.fullmatch(r'0\d{2,3}', area):
        raise InvalidIdentifier(f'区号“{area}”不正确，区号应为0加2至3位数字，例如010、0571')
    if not 7 <= len(subscriber) <= 8:
        raise InvalidIdentifier(f'固定电话号码（不含区号）应为7至8位，您输入了{len(subscriber)}位')
    return f'{area}-{subscriber}' + (f'-{extension}' if extension else '')


# --------------------------------------------------------------------------------------------
# Masking for lists, search results and exports
# --------------------------------------------------------------------------------------------

MASK_CHAR = '*'
ADDRESS_ELLIPSIS = '……'


def mask_resident_id(number: str) -> str:
    """Mask an ID number as first 6 + asterisks + last 4: ``110105********002X``.

    Anything that is not 18 characters long is masked entirely, so a malformed value can never
    leak its birth date or sequence number.
    """
    text = normalise_resident_id(number)
    if len(text) != 18:
        return MASK_CHAR * len(text)
    return text[:6] + MASK_CHAR * 8 + text[-4:]


def mask_phone(number: str) -> str:
    """Mask a phone number: mobile ``138****5678``; landline ``0571-****6666`` (area code and
    last 4 kept, extension dropped). Unparseable input keeps at most its last 4 digits."""
    try:
        normalised = parse_phone(number)
    except InvalidIdentifier:
        digits = re.sub(r'\D', '', _compact(number))
        if len(digits) < 8:
            return MASK_CHAR * len(digits)
        return MASK_CHAR * (len(digits) - 4) + digits[-4:]
    if '-' not in normalised:
        return normalised[:3] + MASK_CHAR * 4 + normalised[-4:]
    area, subscriber = normalised.split('-')[:2]
    return f'{area}-{MASK_CHAR * (len(subscriber) - 4)}{subscriber[-4:]}'


# Administrative units from province down to village/community, longest alternatives first so
# '自治区' wins over '区' and '社区'/'小区' over '区'. Village-level units end the kept part.
_VILLAGE_LEVEL_SUFFIXES = ('村民委员会', '居民委员会', '村委会', '居委会', '社区', '小区', '嘎查', '村')
_HIGHER_LEVEL_SUFFIXES = (
    '特别行政区', '自治区', '自治州', '自治县', '自治旗', '地区', '街道', '苏木', '省', '市', '州', '盟', '区', '县',
    '旗', '镇', '乡',
)
# A unit's name contains no digits and no street/building words, so the kept part can never reach
# a road, house number, village group (组) or building.
_UNIT_NAME = r'[^\d\s路街巷弄号组栋幢室#\-（）()]{1,12}?'
_ADMIN_UNIT_RE = re.compile(
    f'{_UNIT_NAME}(?P<suffix>{"|".join(_VILLAGE_LEVEL_SUFFIXES + _HIGHER_LEVEL_SUFFIXES)})'
)


def mask_address(address: str) -> str:
    """Keep an address down to the village/community and replace the rest with ``……``.

    Heuristic: read administrative units (…省, …市, …区/县, …镇/乡/街道, …村/社区/居委会/小区)
    from the start; stop after the first village-level unit, or at the first part that is not an
    administrative unit (a road, a number, a group or building). When in doubt it keeps less:
    a name such as '新市镇' may be cut after '新市'. Nothing recognisable → only ``……``.
    """
    text = re.sub(r'\s+', '', address or '')
    if not text:
        return ''
    kept = 0
    while match := _ADMIN_UNIT_RE.match(text, kept):
        kept = match.end()
        if match['suffix'] in _VILLAGE_LEVEL_SUFFIXES:
            break
    if kept == len(text):
        return text
    return text[:kept] + ADDRESS_ELLIPSIS
