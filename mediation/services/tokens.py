"""API bearer tokens: shown once, stored as SHA-256."""
import hashlib
import secrets
from datetime import timedelta
from typing import Optional

import sqlalchemy as sa
import sqlalchemy.orm as so

from mediation.chinatime import utcnow
from mediation.extensions import db
from mediation.models import ApiToken
from mediation.models import User

#: ``last_used_at`` is kept to this precision.
LAST_USED_PRECISION = timedelta(minutes=1)


def _digest(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def create_token(username: str, name: str = '') -> str:
    user = db.session.scalar(sa.select(User).where(User.username == username))
    if user is None:
        raise LookupError(f'找不到用户 {username}。')
    token = 'med_' + secrets.token_urlsafe(32)
    db.session.add(ApiToken(user=user, token_hash=_digest(token), name=name))
    db.session.flush()
    return token


def user_for_token(token: str) -> Optional[User]:
    row = db.session.scalar(sa.select(ApiToken).where(ApiToken.token_hash == _digest(token),
                                                      ApiToken.revoked_at.is_(None))
                            .options(so.joinedload(ApiToken.user).joinedload(User.organisation)))
    if row is None or not row.user.active:
        return None
    now = utcnow()
    if row.last_used_at is None or now - row.last_used_at > LAST_USED_PRECISION:
        row.last_used_at = now  # not on every request: a write per API call would cost more than the call
    return row.user


def revoke_tokens(username: str, name: Optional[str] = None) -> int:
    """Revoke USERNAME's API tokens (only those called ``name`` if given); how many were revoked."""
    user = db.session.scalar(sa.select(User).where(User.username == username))
    if user is None:
        raise LookupError(f'找不到用户 {username}。')
    query = sa.update(ApiToken).where(ApiToken.user_id == user.id, ApiToken.revoked_at.is_(None))
    if name is not None:
        query = query.where(ApiToken.name == name)
    return db.session.execute(query.values(revoked_at=utcnow())).rowcount
