"""Users (one role, one organisation node) and API tokens."""
import sqlalchemy.orm as so

from mediation import schema
from mediation.models.base import Base
from mediation.models.org import Organisation
from workflows.enums import Role


class User(Base):
    """A person who signs in: the four members below are what Flask-Login asks of a user.

    Written out rather than taken from ``flask_login.UserMixin``: importing Flask-Login imports
    Flask, and the models are plain SQLAlchemy (``mediation.models.base``).
    """

    __table__ = schema.user_account

    organisation: so.Mapped[Organisation] = so.relationship()

    @property
    def is_active(self) -> bool:
        return self.active

    @property
    def is_authenticated(self) -> bool:
        return self.active

    is_anonymous = False

    def get_id(self) -> str:
        return str(self.id)

    # werkzeug is imported where it is used, for the same reason as above.
    def set_password(self, password: str, method: str = 'scrypt') -> None:
        from werkzeug.security import generate_password_hash
        self.password_hash = generate_password_hash(password, method=method)

    def check_password(self, password: str) -> bool:
        from werkzeug.security import check_password_hash
        return check_password_hash(self.password_hash, password)

    @property
    def is_admin(self) -> bool:
        return self.role == Role.ADMIN

    def __repr__(self):
        return f'<User {self.username}>'


class ApiToken(Base):
    """A bearer token for the JSON API; only its SHA-256 is stored."""

    __table__ = schema.api_token

    user: so.Mapped[User] = so.relationship()
