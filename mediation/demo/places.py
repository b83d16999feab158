"""The invented district: its organisation tree, the demo accounts, and creating both."""
from mediation.extensions import db
from mediation.models import User
from mediation.services import accounts
from mediation.services import orgs as org_service
from workflows.enums import OrgKind
from workflows.enums import Role

#: The demo district's code; its presence means the demo data is loaded.
DISTRICT_CODE = '339901'
ADMIN_PASSWORD = 'admin12345'
DEMO_PASSWORD = 'demo12345'


DISTRICT = ('青溪区', '青溪')
#: (code, name, short name, villages: (code, name, short name))
TOWNS = (
    ('339901001', '枫林镇', '枫林', (
        ('339901001201', '枫溪村', '枫溪'),
        ('339901001202', '上塘村', '上塘'),
        ('339901001203', '竹园村', '竹园'),
    )),
    ('339901002', '石桥镇', '石桥', (
        ('339901002201', '柳湾村', '柳湾'),
        ('339901002202', '河头村', '河头'),
        ('339901002001', '新河社区', '新河'),
    )),
    ('339901003', '云山街道', '云山', (
        ('339901003001', '桂苑社区', '桂苑'),
        ('339901003002', '翠屏社区', '翠屏'),
    )),
)
COURT = ('COURT-339901', '青溪区人民法院', '青溪法院')

#: (username, display name, role, organisation code); every password is DEMO_PASSWORD except admin's
USERS = (
    ('admin', '系统管理员', Role.ADMIN, DISTRICT_CODE),
    ('qu', '沈立新', Role.DISTRICT_OFFICER, DISTRICT_CODE),
    ('zhen1', '方建平', Role.TOWN_MEDIATOR, '339901001'),
    ('zhen2', '邵慧敏', Role.TOWN_MEDIATOR, '339901002'),
    ('zhen3', '祝永清', Role.TOWN_MEDIATOR, '339901003'),
    ('cun1', '金国良', Role.VILLAGE_MEDIATOR, '339901001201'),
    ('cun2', '俞秀芬', Role.VILLAGE_MEDIATOR, '339901001202'),
    ('cun3', '楼德明', Role.VILLAGE_MEDIATOR, '339901001203'),
    ('cun4', '蒋春燕', Role.VILLAGE_MEDIATOR, '339901002201'),
    ('cun5', '骆志刚', Role.VILLAGE_MEDIATOR, '339901002202'),
    ('cun6', '宣丽华', Role.VILLAGE_MEDIATOR, '339901002001'),
    ('cun7', '钟文涛', Role.VILLAGE_MEDIATOR, '339901003001'),
    ('cun8', '章雅琴', Role.VILLAGE_MEDIATOR, '339901003002'),
    ('fayuan', '郦晓东', Role.COURT_OFFICER, COURT[0]),
)


def password_for(username: str) -> str:
    return ADMIN_PASSWORD if username == 'admin' else DEMO_PASSWORD


def create_organisations() -> dict:
    orgs = {}
    district = org_service.create_organisation(kind=OrgKind.DISTRICT, name=DISTRICT[0], short_name=DISTRICT[1],
                                               code=DISTRICT_CODE)
    orgs[DISTRICT_CODE] = district
    for town_code, town_name, town_short, villages in TOWNS:
        town = org_service.create_organisation(kind=OrgKind.TOWN, name=town_name, short_name=town_short,
                                               code=town_code, parent=district)
        orgs[town_code] = town
        for code, name, short in villages:
            orgs[code] = org_service.create_organisation(kind=OrgKind.VILLAGE, name=name, short_name=short,
                                                         code=code, parent=town)
    orgs[COURT[0]] = org_service.create_organisation(kind=OrgKind.COURT, name=COURT[1], short_name=COURT[2],
                                                     code=COURT[0], served_districts=[district])
    return orgs


def create_users(orgs: dict) -> dict:
    """Create the demo users; return organisation id → the acting user there (admins excluded)."""
    by_org = {}
    # The first account with each password goes through the service; the others reuse its hash,
    # so the seed pays for two scrypt hashes instead of fourteen (~0.2 s each). The passwords
    # are published in the report anyway, so a shared salt gives nothing away.
    hashes = {}
    for username, display_name, role, org_code in USERS:
        password, organisation = password_for(username), orgs[org_code]
        if password not in hashes:
            user = accounts.create_user(username=username, display_name=display_name, password=password,
                                        role=role, organisation=organisation)
            hashes[password] = user.password_hash
        else:
            accounts.check_role_fits_organisation(role, organisation)
            user = User(username=username, display_name=display_name, role=role, organisation=organisation,
                        password_hash=hashes[password])
            db.session.add(user)
            db.session.flush()
        if role != Role.ADMIN:
            by_org[user.organisation_id] = user
    return by_org
