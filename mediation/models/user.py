"""Users (one role, one organisation node) and API tokens."""
from datetime import datetime
from typing import Optional

import sqlalchemy as sa
import sqlalchemy.orm as so
from flask_login import UserMixin
from werkzeug.security import check_password_hash
from werkzeug.security import generate_password_hash

from mediation.chinatime import utcnow
from mediation.models.base import Base
from mediation.models.base import enum_type
from mediation.models.org import Organisation
from workflows.enums import Role


class User(UserMixin, Base):
    """A person who signs in, with one role at one organisation node."""

    __tablename__ = 'user_account'

    id: so.Mapped[int] = so.mapped_column(primary_key=True)
    username: so.Mapped[str] = so.mapped_column(sa.String(64), unique=True)
    display_name: so.Mapped[str] = so.mapped_column(sa.String(64))
    password_hash: so.Mapped[str] = so.mapped_column(sa.String(256))
    role: so.Mapped[Role] = so.mapped_column(enum_type(Role, 'role'))
    organisation_id: so.Mapped[int] = so.mapped_column(sa.ForeignKey('organisation.id'), index=True)
    active: so.Mapped[bool] = so.mapped_column(default=True)
    last_login_at: so.Mapped[Optional[datetime]]
    created_at: so.Mapped[datetime] = so.mapped_column(default=utcnow)

    organisation: so.Mapped[Organisation] = so.relationship()

    @property
    def is_active(self) -> bool:
        return self.active

    def set_password(self, password: str, method: str = 'scrypt') -> None:
        self.password_hash = generate_password_hash(password, method=method)

    def check_password(self, password: str) -> bool:
        return check_password_hash(self.password_hash, password)

    @property
    def is_admin(self) -> bool:
        return self.role == Role.ADMIN

    def __repr__(self):
        return f'<User {self.username}>'


class ApiToken(Base):
    """A bearer token for the JSON API; only its SHA-256 is stored."""

    __tablename__ = 'api_token'

    id: so.Mapped[int] = so.mapped_column(primary_key=True)
    user_id: so.Mapped[int] = so.mapped_column(sa.ForeignKey('user_account.id', ondelete='CASCADE'), index=True)
    token_hash: so.Mapped[str] = so.mapped_column(sa.String(64), unique=True)
    name: so.Mapped[str] = so.mapped_column(sa.String(100), default='')
    created_at: so.Mapped[datetime] = so.mapped_column(default=utcnow)
    last_used_at: so.Mapped[Optional[datetime]]
    revoked_at: so.Mapped[Optional[datetime]]

    user: so.Mapped[User] = so.relationship()


class SignInFailure(Base):
    """A failed sign-in: the name typed (known or not), the client it came from, when.

    Failures lock a name out for the client that made them only (``services.accounts``), so no
    one can shut an administrator out by failing from elsewhere; administrators see them.
    """

    __tablename__ = 'sign_in_failure'

    id: so.Mapped[int] = so.mapped_column(primary_key=True)
    username: so.Mapped[str] = so.mapped_column(sa.String(64))
    client: so.Mapped[str] = so.mapped_column(sa.String(64))
    at: so.Mapped[datetime] = so.mapped_column(default=utcnow)

    __table_args__ = (sa.Index('ix_sign_in_failure_username_client_at', 'username', 'client', 'at'),)
