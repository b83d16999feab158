"""Sign-in (failures lock out the client that made them, not the account), and user management."""
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
from mediation.models import SignInFailure
from mediation.models import User
from workflows.enums import OrgKind
from workflows.enums import Role

#: Which organisation kind each role belongs to
ROLE_ORG_KIND = {
    Role.VILLAGE_MEDIATOR: OrgKind.VILLAGE,
    Role.TOWN_MEDIATOR: OrgKind.TOWN,
    Role.DISTRICT_OFFICER: OrgKind.DISTRICT,
    Role.COURT_OFFICER: OrgKind.COURT,
}


@functools.cache
def _dummy_hash(method: str) -> str:
    return generate_password_hash('not-a-password', method=method)


@dataclass
class AuthResult:
    user: Optional[User]
    message: str = ''


def failure_message() -> str:
    """The one answer to an unknown name, a wrong password and a client locked out: they must look alike."""
    minutes = int(current_app.config['LOGIN_LOCKOUT'] / timedelta(minutes=1))
    return (f'用户名或密码错误。在同一台电脑上连续输错 {current_app.config["LOGIN_MAX_FAILURES"]} 次后，'
            f'须等待 {minutes} 分钟才能再次登录（管理员可解除）。')


def authenticate(username: str, password: str, client: str) -> AuthResult:
    """Check a password; too many failures for this name from this client lock out this client only.

    Every answer costs one password hash check and one recorded failure or success, so neither
    the words nor the time tell an unknown name from a wrong password or a locked-out client.
    """
    now = utcnow()
    username, client = username[:64], client[:64]
    user = db.session.scalar(sa.select(User).where(User.username == username))
    locked = _recent_failures(username, client, now) >= current_app.config['LOGIN_MAX_FAILURES']
    stored_hash = user.password_hash if user is not None else _dummy_hash(current_app.config['PASSWORD_HASH_METHOD'])
    password_matches = check_password_hash(stored_hash, password)
    if user is None or locked or not password_matches:
        _record_failure(username, client, now)
        return AuthResult(None, failure_message())
    if not user.active:
        return AuthResult(None, '该账号已停用，请联系管理员。')
    db.session.execute(sa.delete(SignInFailure).where(SignInFailure.username == username,
                                                      SignInFailure.client == client))
    user.last_login_at = now
    return AuthResult(user)


def _window_start(now):
    return now - current_app.config['LOGIN_LOCKOUT']


def _recent_failures(username, client, now) -> int:
    return db.session.scalar(sa.select(sa.func.count()).select_from(SignInFailure).where(
        SignInFailure.username == username, SignInFailure.client == client, SignInFailure.at >= _window_start(now)))


def _record_failure(username, client, now) -> None:
    # Older failures no longer count: they go, so the table holds one window per name and client.
    db.session.execute(sa.delete(SignInFailure).where(SignInFailure.username == username,
                                                      SignInFailure.client == client,
                                                      SignInFailure.at < _window_start(now)))
    db.session.add(SignInFailure(username=username, client=client, at=now))
    db.session.flush()


@dataclass(frozen=True)
class FailureSummary:
    """An account's failed sign-ins within the lock-out window, for administrators."""

    count: int
    last_at: Optional[object]
    locked_clients: int

    @property
    def locked(self) -> bool:
        return self.locked_clients > 0


def failure_summaries(usernames, now=None) -> dict[str, FailureSummary]:
    """Failed sign-ins in the window per username (only those with failures)."""
    now = now or utcnow()
    usernames = list(usernames)
    if not usernames:
        return {}
    rows = db.session.execute(
        sa.select(SignInFailure.username, SignInFailure.client, sa.func.count(), sa.func.max(SignInFailure.at))
        .where(SignInFailure.username.in_(usernames), SignInFailure.at >= _window_start(now))
        .group_by(SignInFailure.username, SignInFailure.client)).all()
    summaries = {}
    limit = current_app.config['LOGIN_MAX_FAILURES']
    for username, _client, count, last_at in rows:
        previous = summaries.get(username, FailureSummary(0, None, 0))
        summaries[username] = FailureSummary(previous.count + count, max(filter(None, (previous.last_at, last_at))),
                                             previous.locked_clients + (count >= limit))
    return summaries


def recent_failures(limit: int = 200) -> list[SignInFailure]:
    """The latest failed sign-ins, any name typed (unknown names show someone guessing)."""
    return list(db.session.scalars(sa.select(SignInFailure).order_by(SignInFailure.at.desc(), SignInFailure.id.desc())
                                   .limit(limit)))


def known_usernames(usernames) -> set[str]:
    """Which of ``usernames`` are accounts."""
    names = list(usernames)
    if not names:
        return set()
    return set(db.session.scalars(sa.select(User.username).where(User.username.in_(names))))


def forget_failures(user: User) -> int:
    """Forget the account's failed sign-ins from every client; how many were forgotten."""
    return db.session.execute(sa.delete(SignInFailure).where(SignInFailure.username == user.username)).rowcount


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
        forget_failures(user)
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


def check_self_change(actor: User, user: User, *, role: Role, active: bool) -> None:
    """Administrators may not lock themselves out: no deactivating or demoting their own account."""
    if actor.id != user.id:
        return
    if not active:
        raise ValidationFailed('不能停用自己的账号；如需停用，请由其他管理员操作。', field='active')
    if actor.role == Role.ADMIN and role != Role.ADMIN:
        raise ValidationFailed('不能取消自己的系统管理员角色；如需更改，请由其他管理员操作。', field='role')
