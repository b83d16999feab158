"""Invented people: names, addresses, phone numbers and identifiers with valid check characters."""
import random
from dataclasses import dataclass
from datetime import date
from datetime import timedelta
from typing import Optional

from mediation.demo.places import DISTRICT
from mediation.identifiers import resident_id_check_char
from mediation.identifiers import uscc_check_char
from mediation.models import Organisation
from mediation.services.cases import PartyInput

#: Resident ID address code of the invented district (province 33, no such city 99).
ID_ADDRESS_CODE = '339901'


SURNAMES = ('王李张刘陈杨黄赵吴周徐孙马朱胡郭何高林罗郑梁谢宋唐许韩冯邓曹彭曾肖田董袁潘蒋蔡余杜叶程苏魏吕'
            '丁任沈姚卢姜崔钟谭陆汪范金石廖贾夏韦方邹孟熊秦邱江尹薛段雷侯龙陶黎贺顾毛郝龚邵万钱严戴孔汤'
            '楼俞骆宣章祝郦')
#: The most common surnames again, so they come up more often, as they do.
COMMON_SURNAMES = '王李张刘陈杨黄赵吴周徐孙'
MALE_CHARS = '伟强磊军勇杰涛明超华建国平刚文辉林斌鹏波海峰志德宏兵亮俊龙春东晨永忠庆福荣正良新云成'
FEMALE_CHARS = '芳娟敏静丽艳霞燕玲红梅兰英萍琴慧洁秀桂凤雪倩婷颖佳月琳莉素翠美彩爱'
OCCUPATIONS = ('农民', '农民', '农民', '个体工商户', '务工人员', '务工人员', '退休职工', '企业职工', '货车司机',
               '教师', '自由职业', '个体经营', '无业')
MOBILE_PREFIXES = ('130', '131', '132', '133', '135', '136', '137', '138', '139', '150', '151', '152', '155',
                   '156', '157', '158', '159', '180', '181', '182', '183', '186', '187', '188', '189')
ESTATES = ('锦绣花苑', '滨河小区', '桂香苑', '翠屏山庄', '新河家园', '和园', '阳光里')
FIRM_WORDS = ('恒达', '兴旺', '宏远', '鑫源', '瑞丰', '嘉禾', '丰泽', '永安', '润和', '荣盛', '天和', '金鼎')


@dataclass
class Person:
    name: str
    sex: str
    birth_date: date
    id_number: str
    phone: str
    address: str
    occupation: str
    ethnicity: str = '汉族'

    def party(self, role: str) -> PartyInput:
        return PartyInput(role=role, kind='person', name=self.name, ethnicity=self.ethnicity,
                          occupation=self.occupation, address=self.address, phone=self.phone,
                          id_number=self.id_number)


def resident_id(rng: random.Random, birth: date, sex: str) -> str:
    """A number with a valid GB 11643 check character in the invented district's address code."""
    sequence = rng.randrange(0, 100)
    sex_digit = rng.choice('13579' if sex == 'male' else '02468')
    first17 = f'{ID_ADDRESS_CODE}{birth:%Y%m%d}{sequence:02d}{sex_digit}'
    return first17 + resident_id_check_char(first17)


def credit_code(rng: random.Random) -> str:
    """A unified social credit code (GB 32100) with valid check characters, for an invented firm."""
    digits = ''.join(rng.choice('0123456789') for _ in range(8))
    weights = (3, 7, 9, 10, 5, 8, 4, 2)
    check = 11 - sum(int(d) * w for d, w in zip(digits, weights)) % 11
    org_code = digits + {10: 'X', 11: '0'}.get(check, str(check))
    first17 = '91' + ID_ADDRESS_CODE + org_code
    return first17 + uscc_check_char(first17)


def mobile(rng: random.Random) -> str:
    return rng.choice(MOBILE_PREFIXES) + ''.join(rng.choice('0123456789') for _ in range(8))


class People:
    """Invented residents of the demo villages, the same on every run of one seed."""

    def __init__(self, rng: random.Random, today: date):
        self.rng = rng
        self.today = today
        self.used_names: set[str] = set()
        self.residents: dict[int, list[Person]] = {}

    def name(self, sex: str) -> str:
        rng = self.rng
        for _ in range(20):
            surname = rng.choice(COMMON_SURNAMES) if rng.random() < 0.4 else rng.choice(SURNAMES)
            chars = MALE_CHARS if sex == 'male' else FEMALE_CHARS
            given = rng.choice(chars) + (rng.choice(chars) if rng.random() < 0.75 else '')
            if given[:1] != given[1:2] and surname + given not in self.used_names:
                self.used_names.add(surname + given)
                return surname + given
        return surname + given

    def address(self, village: Organisation, town: Organisation) -> str:
        rng = self.rng
        if village.name.endswith('社区'):
            return (f'{DISTRICT[0]}{town.name}{village.name}{rng.choice(ESTATES)}{rng.randint(1, 24)}幢'
                    f'{rng.randint(1, 3)}单元{rng.randint(1, 18)}0{rng.randint(1, 4)}室')
        return f'{DISTRICT[0]}{town.name}{village.name}{rng.randint(1, 12)}组{rng.randint(1, 80)}号'

    def person(self, village, town, *, sex=None, age=None, other_than: Optional[Person] = None) -> Person:
        rng = self.rng
        # Now and then the same resident turns up again (the intake then warns of a repeat dispute).
        pool = self.residents.setdefault(village.id, [])
        if sex is None and age is None and pool and rng.random() < 0.04:
            again = rng.choice(pool)
            if again is not other_than:
                return again
        sex = sex or rng.choice(('male', 'female'))
        age = age or rng.randint(22, 78)
        birth = self.today - timedelta(days=age * 365 + rng.randint(0, 364))
        person = Person(name=self.name(sex), sex=sex, birth_date=birth, id_number=resident_id(rng, birth, sex),
                        phone=mobile(rng), address=self.address(village, town),
                        occupation='退休' if age >= 65 else rng.choice(OCCUPATIONS),
                        ethnicity='汉族' if rng.random() < 0.96 else rng.choice(('畲族', '回族', '土家族')))
        pool.append(person)
        return person

    def firm(self, pattern: str, town) -> PartyInput:
        rng = self.rng
        name = pattern.format(firm=rng.choice(FIRM_WORDS), town=town.name)
        return PartyInput(role='respondent', kind='organisation', name=name, uscc=credit_code(rng),
                          legal_representative=self.name(rng.choice(('male', 'female'))),
                          address=f'{DISTRICT[0]}{town.name}工业功能区{rng.randint(1, 60)}号', phone=mobile(rng))


def give_a_rare_name(plans) -> None:
    """The applicant of the first plan that ends in a sealed agreement gets a rare character in their name."""
    from mediation.demo.stories import RARE_GIVEN_NAME
    plan = next(plan for plan in plans if not plan.wet and any(step.op == 'sign_agreement' for step in plan.steps))
    party = plan.input.parties[0]
    rare = party.name[0] + RARE_GIVEN_NAME
    data = plan.input
    data.title, data.facts, data.requests = (text.replace(party.name, rare) for text in
                                             (data.title, data.facts, data.requests))
    party.name = rare
