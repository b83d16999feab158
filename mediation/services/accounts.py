"""Sign-in with lock-out, and user management."""
import functools
from dataclasses import dataclass
from datetime import timedelta
from typing import Optional

import sqlalchemy as sa
from flask import current_app
from sqlalchemy.orm import contains_eager
from werkzeug.security import check_password_hash
from werkzeug.security import generate_password_hash

from mediation.chinatime import utcnow
from mediation.errors import ValidationFailed
from mediation.extensions import db
from mediation.models import Organisation
from mediation.models import User
from workflows.enums import OrgKind
from workflows.enums import Role

GENERIC_FAILURE = '用户名或密码错误。'

#: Which organisation kind each role belongs to
ROLE_ORG_KIND = {
    Role.VILLAGE_MEDIATOR: OrgKind.VILLAGE,
    Role.TOWN_MEDIATOR: OrgKind.TOWN,
    Role.DISTRICT_OFFICER: OrgKind.DISTRICT,
    Role.COURT_OFFICER: OrgKind.COURT,
}


@functools.cache
def _dummy_hash():
    return generate_password_hash('not-a-password')


@dataclass
class AuthResult:
    user: Optional[User]
    message: str = ''


def authenticate(username: str, password: str) -> AuthResult:
    """Check a password, counting failures; too many in a row lock the account for a while."""
    user = db.session.scalar(sa.select(User).where(User.username == username))
    now = utcnow()
    if user is None:
        check_password_hash(_dummy_hash(), password)  # same cost as a wrong password: names stay secret
        return AuthResult(None, GENERIC_FAILURE)
    if user.locked_until and user.locked_until > now:
        minutes = max(1, int((user.locked_until - now).total_seconds() // 60) + 1)
        return AuthResult(None, f'登录失败次数过多，账号已锁定，请 {minutes} 分钟后再试，或联系管理员解锁。')
    if not user.check_password(password):
        user.failed_logins += 1
        if user.failed_logins >= current_app.config['LOGIN_MAX_FAILURES']:
            user.locked_until = now + current_app.config['LOGIN_LOCKOUT']
            user.failed_logins = 0
            minutes = int(current_app.config['LOGIN_LOCKOUT'] / timedelta(minutes=1))
            return AuthResult(None, f'登录失败次数过多，账号已锁定 {minutes} 分钟。')
        return AuthResult(None, GENERIC_FAILURE)
    if not user.active:
        return AuthResult(None, '该账号已停用，请联系管理员。')
    user.failed_logins = 0
    user.locked_until = None
    user.last_login_at = now
    return AuthResult(user)


def validate_password(password: str) -> None:
    minimum = current_app.config['PASSWORD_MIN_LENGTH']
    if len(password or '') < minimum:
        raise ValidationFailed(f'密码至少需要 {minimum} 个字符。', field='password')


def check_role_fits_organisation(role: Role, organisation: Organisation) -> None:
    expected = ROLE_ORG_KIND.get(role)
    if expected is not None and organisation.kind != expected:
        raise ValidationFailed(f'“{role.label_zh}”只能属于{expected.label_zh}级单位，'
                               f'而“{organisation.name}”是{organisation.kind.label_zh}级。', field='organisation_id')


def create_user(*, username: str, display_name: str, password: str, role: Role,
                organisation: Organisation) -> User:
    username = (username or '').strip()
    if not username:
        raise ValidationFailed('请输入用户名。', field='username')
    if db.session.scalar(sa.select(User.id).where(User.username == username)):
        raise ValidationFailed(f'用户名“{username}”已被使用。', field='username')
    validate_password(password)
    check_role_fits_organisation(role, organisation)
    user = User(username=username, display_name=display_name.strip() or username, role=role,
                organisation=organisation)
    user.set_password(password, current_app.config['PASSWORD_HASH_METHOD'])
    db.session.add(user)
    db.session.flush()
    return user


def update_user(user: User, *, display_name: str, role: Role, organisation: Organisation, active: bool,
                new_password: str = '', unlock: bool = False) -> User:
    check_role_fits_organisation(role, organisation)
    user.display_name = display_name.strip() or user.username
    user.role = role
    user.organisation = organisation
    user.active = active
    if new_password:
        validate_password(new_password)
        user.set_password(new_password, current_app.config['PASSWORD_HASH_METHOD'])
    if unlock:
        user.locked_until = None
        user.failed_logins = 0
    db.session.flush()
    return user


def list_users(q: str = '', *, page: int = 1, per_page: int = 50) -> tuple[list[User], bool]:
    """Users matching ``q`` (username, display name or organisation name), a page at a time.

    Returns the page's users and whether another page follows.
    """
    query = sa.select(User).join(User.organisation).options(contains_eager(User.organisation))
    q = (q or '').strip()
    if q:
        query = query.where(sa.or_(User.username.contains(q, autoescape=True),
                                   User.display_name.contains(q, autoescape=True),
                                   Organisation.name.contains(q, autoescape=True)))
    query = query.order_by(Organisation.path, User.username).offset((max(page, 1) - 1) * per_page).limit(per_page + 1)
    users = list(db.session.scalars(query))
    return users[:per_page], len(users) > per_page


def is_locked(user: User, now=None) -> bool:
    """Whether sign-in is currently locked after too many failed attempts."""
    return bool(user.locked_until and user.locked_until > (now or utcnow()))


def check_self_change(actor: User, user: User, *, role: Role, active: bool) -> None:
    """Administrators may not lock themselves out: no deactivating or demoting their own account."""
    if actor.id != user.id:
        return
    if not active:
        raise ValidationFailed('不能停用自己的账号；如需停用，请由其他管理员操作。', field='active')
    if actor.role == Role.ADMIN and role != Role.ADMIN:
        raise ValidationFailed('不能取消自己的系统管理员角色；如需更改，请由其他管理员操作。', field='role')
