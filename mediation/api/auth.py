"""Bearer-token authentication for the JSON API (``mediation create-token USERNAME``)."""
import functools

from flask import g
from flask import request

from mediation.errors import MediationError
from mediation.services.tokens import user_for_token


class Unauthorised(MediationError):
    status = 401
    code = 'unauthorised'


def token_required(view):
    """The view runs with ``g.api_user``, the token's user; 401 without a valid token."""
    @functools.wraps(view)
    def wrapper(*args, **kwargs):
        scheme, _, token = request.headers.get('Authorization', '').partition(' ')
        user = user_for_token(token.strip()) if scheme.lower() == 'bearer' and token.strip() else None
        if user is None:
            raise Unauthorised('缺少或无效的访问令牌（Authorization: Bearer …）。')
        g.api_user = user
        return view(*args, **kwargs)
    return wrapper
