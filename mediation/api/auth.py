"""Bearer-token authentication and request limits for the JSON API (``mediation create-token USERNAME``)."""
import functools
import hashlib

from flask import current_app
from flask import g
from flask import request
from flask_limiter.util import get_remote_address

from mediation.errors import MediationError
from mediation.extensions import limiter
from mediation.services.tokens import user_for_token


class Unauthorised(MediationError):
    status = 401
    code = 'unauthorised'


def _bearer() -> str:
    scheme, _, token = request.headers.get('Authorization', '').partition(' ')
    return token.strip() if scheme.lower() == 'bearer' else ''


def rate_key() -> str:
    """Whom a request counts against: its token (several clients behind one address each count
    their own), else the client's address."""
    token = _bearer()
    if token:
        return 'api-token:' + hashlib.sha256(token.encode()).hexdigest()[:32]
    return 'api-addr:' + get_remote_address()


def _rate_limit() -> str:
    return current_app.config['API_RATE_LIMIT']


#: Every API operation draws on one count per token (``API_RATE_LIMIT``): in this process, or in
#: Redis when ``REDIS_URL`` is set so that several app servers share it. Over it: 429 with Retry-After.
api_limit = limiter.shared_limit(_rate_limit, scope='api', key_func=rate_key)


def token_required(view):
    """The view runs with ``g.api_user``, the token's user; 401 without a valid token."""
    @functools.wraps(view)
    def wrapper(*args, **kwargs):
        token = _bearer()
        user = user_for_token(token) if token else None
        if user is None:
            raise Unauthorised('缺少或无效的访问令牌（请求头 Authorization: Bearer <令牌>；令牌可能已被撤销）。')
        g.api_user = user
        return view(*args, **kwargs)
    return api_limit(wrapper)
