"""Tests for mediation.identifiers (domain.md §6). Plain functions: no Flask app needed."""
from datetime import date
from datetime import timedelta

import pytest
from hypothesis import given
from hypothesis import strategies as st

from mediation.identifiers import USCC_AUTHORITIES
from mediation.identifiers import USCC_CHARSET
from mediation.identifiers import InvalidIdentifier
from mediation.identifiers import ResidentId
from mediation.identifiers import mask_address
from mediation.identifiers import mask_phone
from mediation.identifiers import mask_resident_id
from mediation.identifiers import normalise_resident_id
from mediation.identifiers import normalise_uscc
from mediation.identifiers import organisation_code_check_ok
from mediation.identifiers import parse_phone
from mediation.identifiers import parse_resident_id
from mediation.identifiers import parse_uscc
from mediation.identifiers import resident_id_check_char
from mediation.identifiers import resident_id_warnings
from mediation.identifiers import uscc_check_char

TODAY = date(2025, 6, 1)


def with_check(first17: str) -> str:
    return first17 + resident_id_check_char(first17)


def with_uscc_check(first17: str) -> str:
    return first17 + uscc_check_char(first17)


def error_of(parse, value, **kwargs) -> str:
    with pytest.raises(InvalidIdentifier) as excinfo:
        parse(value, **kwargs)
    return excinfo.value.message


# --- resident ID ---------------------------------------------------------------------------


def test_worked_example_is_valid_and_decoded():
    assert parse_resident_id('11010519491231002X', today=TODAY) == ResidentId(
        number='11010519491231002X', birth_date=date(1949, 12, 31), sex='female', kind='resident'
    )


def test_check_char_follows_iso_7064_mod_11_2():
    # domain.md §6.1: weighted sum 167, 167 mod 11 = 2 → X
    assert resident_id_check_char('11010519491231002') == 'X'


@pytest.mark.parametrize('spelling', ['11010519491231002x', ' 110105 19491231 002x ', '１１０１０５１９４９１２３１００２Ｘ'])
def test_spaces_lower_case_x_and_full_width_input_are_normalised(spelling):
    assert parse_resident_id(spelling, today=TODAY).number == '11010519491231002X'
    assert normalise_resident_id(spelling) == '11010519491231002X'


def test_sex_comes_from_the_17th_digit():
    assert parse_resident_id(with_check('11010519800101001'), today=TODAY).sex == 'male'
    assert parse_resident_id(with_check('11010519800101002'), today=TODAY).sex == 'female'


def test_wrong_check_char_is_rejected():
    assert error_of(parse_resident_id, '110105194912310021', today=TODAY) == '身份证号码校验位错误，请核对后重新输入'


def test_future_birth_date_rejected_even_with_correct_check_char():
    number = with_check('11010520991231002')
    assert number == '110105209912310029'  # the example stdnum accepts (domain.md §6.1)
    assert '晚于今天' in error_of(parse_resident_id, number, today=TODAY)


def test_birth_today_is_accepted_and_tomorrow_is_not():
    born_today = with_check(f'110105{TODAY:%Y%m%d}001')
    assert parse_resident_id(born_today, today=TODAY).birth_date == TODAY
    tomorrow = TODAY + timedelta(days=1)
    assert '晚于今天' in error_of(parse_resident_id, with_check(f'110105{tomorrow:%Y%m%d}001'), today=TODAY)


@pytest.mark.parametrize('birth', ['19490230', '19000229', '19491301', '19490100'])
def test_impossible_birth_date_is_rejected(birth):
    assert '不存在' in error_of(parse_resident_id, with_check(f'110105{birth}001'), today=TODAY)


def test_birth_before_1900_is_implausible():
    assert '早于1900年' in error_of(parse_resident_id, with_check('11010518991231001'), today=TODAY)


@pytest.mark.parametrize('prefix', ['810000', '820000', '830000'])
def test_hong_kong_macao_taiwan_residence_permits_are_accepted(prefix):
    parsed = parse_resident_id(with_check(f'{prefix}19900101001'), today=TODAY)
    assert parsed.kind == 'hmt_residence_permit'
    assert parsed.birth_date == date(1990, 1, 1)
    assert resident_id_warnings(parsed) == []


def test_unknown_province_is_only_a_warning():
    parsed = parse_resident_id(with_check('99000019900101001'), today=TODAY)
    assert parsed.kind == 'resident'
    assert resident_id_warnings(parsed) and '99' in resident_id_warnings(parsed)[0]


def test_old_15_digit_number_is_refused_with_explanation():
    message = error_of(parse_resident_id, '110105491231002', today=TODAY)
    assert '15位' in message and '18位' in message


@pytest.mark.parametrize(
    'value, fragment',
    [
        ('', '请输入身份证号码'),
        (None, '请输入身份证号码'),
        ('1101051949123100', '应为18位，您输入了16位'),
        ('1101051949123100211', '应为18位，您输入了19位'),
        ('11010519491231A02X', '前17位只能是数字，不能包含“A”'),
        ('11010519491231002Y', '最后一位只能是数字或字母X'),
    ],
)
def test_format_errors_are_specific(value, fragment):
    assert fragment in error_of(parse_resident_id, value, today=TODAY)


def test_error_is_a_value_error_with_message():
    with pytest.raises(ValueError, match='校验位'):
        parse_resident_id('110105194912310021', today=TODAY)


birth_dates = st.dates(min_value=date(1900, 1, 1), max_value=TODAY)


@given(
    address=st.text(alphabet='0123456789', min_size=6, max_size=6),
    birth=birth_dates,
    sequence=st.text(alphabet='0123456789', min_size=3, max_size=3),
)
def test_any_number_with_valid_past_date_and_computed_check_parses(address, birth, sequence):
    number = with_check(f'{address}{birth:%Y%m%d}{sequence}')
    parsed = parse_resident_id(number.lower(), today=TODAY)
    assert parsed.number == number
    assert parsed.birth_date == birth
    assert parsed.sex == ('male' if int(sequence[-1]) % 2 else 'female')


@given(birth=birth_dates, position=st.integers(0, 17), data=st.data())
def test_every_single_character_substitution_is_caught(birth, position, data):
    number = with_check(f'330106{birth:%Y%m%d}123')
    replacement = data.draw(st.sampled_from([ch for ch in '0123456789X' if ch != number[position]]))
    altered = number[:position] + replacement + number[position + 1:]
    with pytest.raises(InvalidIdentifier):
        parse_resident_id(altered, today=TODAY)


# --- unified social credit code ------------------------------------------------------------


def test_standard_sample_uscc_is_valid():
    assert uscc_check_char('91350100M000100Y4') == '3'
    assert parse_uscc(' 91350100m000100y43 ') == '91350100M000100Y43'


@pytest.mark.parametrize(
    'first17', ['N2330681550000001', 'N1330106MA2B3C4D5', 'A1110000123456789', 'Y1110000123456789']
)
def test_n_a_and_y_prefixed_codes_are_valid(first17):
    # stdnum rejects these (domain.md §6.2); N codes are rural collective economic organisations.
    code = with_uscc_check(first17)
    assert parse_uscc(code) == code


def test_constructed_n_code_from_domain_notes():
    assert with_uscc_check('N2330681550000001') == 'N23306815500000013'
    assert parse_uscc('N23306815500000013') == 'N23306815500000013'


def test_wrong_uscc_check_char_is_rejected():
    assert error_of(parse_uscc, '91350100M000100Y44') == '统一社会信用代码校验位错误，请核对后重新输入'


@pytest.mark.parametrize('letter', list('IOZSV'))
def test_letters_outside_the_charset_are_rejected(letter):
    code = '91350100M000100Y43'
    message = error_of(parse_uscc, code[:9] + letter + code[10:])
    assert '不使用字母I、O、Z、S、V' in message and '第10位' in message


@pytest.mark.parametrize(
    'value, fragment',
    [
        ('', '请输入统一社会信用代码'),
        ('91350100M000100Y4', '应为18位，您输入了17位'),
        ('91350100M000100Y4#', '第18位的“#”不合法'),
        (with_uscc_check('B1350100M000100Y4'), '第1位（登记管理部门代码）不能是“B”'),
        (with_uscc_check('01350100M000100Y4'), '第1位（登记管理部门代码）不能是“0”'),
    ],
)
def test_uscc_format_errors_are_specific(value, fragment):
    assert fragment in error_of(parse_uscc, value)


def test_embedded_organisation_code_check_is_only_a_helper():
    assert organisation_code_check_ok('91350100M000100Y43')
    assert organisation_code_check_ok(with_uscc_check('91110000600037341'))
    code = with_uscc_check('91350100M000100Y5')  # organisation code check wrong, USCC check right
    assert not organisation_code_check_ok(code)
    assert parse_uscc(code) == code  # never rejected because of it


@given(
    authority=st.sampled_from(USCC_AUTHORITIES),
    body=st.text(alphabet=USCC_CHARSET, min_size=16, max_size=16),
    position=st.integers(0, 17),
    data=st.data(),
)
def test_uscc_valid_codes_parse_and_single_substitutions_are_caught(authority, body, position, data):
    code = with_uscc_check(authority + body)
    assert parse_uscc(code.lower()) == code == normalise_uscc(code.lower())
    replacement = data.draw(st.sampled_from([ch for ch in USCC_CHARSET if ch != code[position]]))
    with pytest.raises(InvalidIdentifier):
        parse_uscc(code[:position] + replacement + code[position + 1:])


# --- phone numbers -------------------------------------------------------------------------


@pytest.mark.parametrize(
    'value, expected',
    [
        ('13812345678', '13812345678'),
        ('138 1234 5678', '13812345678'),
        ('138-1234-5678', '13812345678'),
        ('+86 138 1234 5678', '13812345678'),
        ('+86-13812345678', '13812345678'),
        ('0086 13812345678', '13812345678'),
        ('8613812345678', '13812345678'),
        ('１３８１２３４５６７８', '13812345678'),
        ('19912345678', '19912345678'),
        ('0571-88886666', '0571-88886666'),
        ('057188886666', '0571-88886666'),
        ('0571 8888 6666', '0571-88886666'),
        ('0571-8888-6666', '0571-88886666'),
        ('(0571)88886666', '0571-88886666'),
        ('（0571）88886666', '0571-88886666'),
        ('010-88886666', '010-88886666'),
        ('01088886666', '010-88886666'),
        ('02088886666', '020-88886666'),
        ('0591-7654321', '0591-7654321'),
        ('0571-88886666转123', '0571-88886666-123'),
        ('0571-88886666 分机 8', '0571-88886666-8'),
        ('0571-88886666 ext. 99', '0571-88886666-99'),
        ('0571-88886666-123', '0571-88886666-123'),
        ('+86 571 88886666', '0571-88886666'),
        ('+86 10 88886666', '010-88886666'),
    ],
)
def test_phone_forms_are_normalised(value, expected):
    assert parse_phone(value) == expected


@pytest.mark.parametrize(
    'value, fragment',
    [
        ('', '请输入联系电话'),
        ('1381234567', '手机号码应为11位，您输入了10位'),
        ('138123456789', '手机号码应为11位，您输入了12位'),
        ('12812345678', '手机号码第2位应为3至9'),
        ('13812345678转12', '手机号码不能带分机号'),
        ('88886666', '固定电话请填写区号'),
        ('0571-888866', '应为7至8位，您输入了6位'),
        ('0571-888866667', '应为7至8位，您输入了9位'),
        ('05712-88886666', '区号“05712”不正确'),
        ('0571-88886666转', '分机号应为1至6位数字'),
        ('138一2345678', '不能包含“一”'),
        ('+852 91234567', '仅支持中国大陆电话号码'),
        ('+1 4155550100', '仅支持中国大陆电话号码'),
        ('0571-88886666-12-34', '固定电话格式不正确'),
    ],
)
def test_phone_errors_are_specific(value, fragment):
    assert fragment in error_of(parse_phone, value)


# --- masking -------------------------------------------------------------------------------


def test_mask_resident_id_keeps_first_six_and_last_four():
    assert mask_resident_id('11010519491231002x') == '110105********002X'


@pytest.mark.parametrize('value', ['', '110105491231002', '1101051949'])
def test_mask_resident_id_hides_malformed_values_completely(value):
    assert set(mask_resident_id(value)) <= {'*'}


@pytest.mark.parametrize(
    'value, expected',
    [
        ('13812345678', '138****5678'),
        ('+86 138 1234 5678', '138****5678'),
        ('0571-88886666', '0571-****6666'),
        ('0571-88886666-123', '0571-****6666'),
        ('010-7654321', '010-***4321'),
        ('not a phone 12345678', '****5678'),
        ('123', '***'),
    ],
)
def test_mask_phone(value, expected):
    assert mask_phone(value) == expected


@pytest.mark.parametrize(
    'address, expected',
    [
        ('浙江省杭州市西湖区转塘街道龙坞村3组12号', '浙江省杭州市西湖区转塘街道龙坞村……'),
        ('浙江省杭州市西湖区转塘街道龙坞村村委会旁', '浙江省杭州市西湖区转塘街道龙坞村……'),
        ('浙江省 杭州市 西湖区 转塘街道 龙坞村 三组', '浙江省杭州市西湖区转塘街道龙坞村……'),
        ('湖南省长沙市岳麓区岳麓街道桃子湖社区5栋201室', '湖南省长沙市岳麓区岳麓街道桃子湖社区……'),
        ('杭州市西湖区华星小区3幢2单元', '杭州市西湖区华星小区……'),
        ('北京市朝阳区建国路88号', '北京市朝阳区……'),
        ('杭州市西湖区文三路100号华星小区3幢', '杭州市西湖区……'),
        ('某省某县某镇解放街12号', '某省某县某镇……'),
        ('内蒙古自治区锡林郭勒盟正蓝旗桑根达来镇某嘎查', '内蒙古自治区锡林郭勒盟正蓝旗桑根达来镇某嘎查'),
        ('3组12号', '……'),
        ('', ''),
    ],
)
def test_mask_address_keeps_only_the_administrative_part(address, expected):
    assert mask_address(address) == expected


@given(
    address=st.text(alphabet='0123456789', min_size=6, max_size=6),
    birth=birth_dates,
    sequence=st.text(alphabet='0123456789', min_size=3, max_size=3),
)
def test_masked_id_never_reveals_birth_date_or_sequence(address, birth, sequence):
    number = with_check(f'{address}{birth:%Y%m%d}{sequence}')
    masked = mask_resident_id(number)
    assert len(masked) == 18
    assert masked[6:14] == '********'
    assert masked[:6] == number[:6] and masked[14:] == number[14:]


@given(second=st.sampled_from('3456789'), rest=st.text(alphabet='0123456789', min_size=9, max_size=9))
def test_masked_mobile_never_reveals_the_middle_four_digits(second, rest):
    number = '1' + second + rest
    masked = mask_phone(number)
    assert masked == number[:3] + '****' + number[7:]


@given(st.text(max_size=40))
def test_masking_never_raises_and_resident_id_mask_hides_the_middle(text):
    mask_phone(text)
    mask_address(text)
    masked = mask_resident_id(text)
    assert len(masked) != 18 or masked[6:14] == '********'
