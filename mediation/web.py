"""What every request and page shares: the one commit point, request ids, locale, URL converter, template helpers."""
import re
import uuid

from flask import Flask
from flask import current_app
from flask import has_request_context
from flask import request
from flask import session
from flask_babel import LazyString
from flask_login import current_user
from werkzeug.routing import IntegerConverter

from mediation.chinatime import china_time
from mediation.database import INTEGER_MAX
from mediation.extensions import db
from mediation.identifiers import mask_address
from mediation.inputs import MediationRequest
from mediation.inputs import StrictJSONProvider
from mediation.navigation import navigation_for
from workflows.states import State

_REQUEST_ID = re.compile(r'[A-Za-z0-9._-]{1,64}')


class MediationFlask(Flask):
    """Flask with one commit point per request, as Indico's ``RH.process``, and cleaned input.

    Services only flush. A view's work is committed here after it returns a response below
    400, and rolled back otherwise; an exception skips the commit and the error handlers roll
    back. A failing commit (a concurrent change found at flush) goes to the error handlers too.
    Every form field, query argument and JSON body is read through ``MediationRequest``.
    """

    request_class = MediationRequest
    json_provider_class = StrictJSONProvider

    def dispatch_request(self):
        response = self.make_response(super().dispatch_request())
        if response.status_code < 400:
            db.session.commit()
        else:
            db.session.rollback()
        return response


def request_id() -> str:
    """This request's id: the proxy's ``X-Request-ID`` when it sends a sane one, else a new one."""
    if 'mediation.request_id' not in request.environ:
        given = request.headers.get('X-Request-ID', '')
        request.environ['mediation.request_id'] = given if _REQUEST_ID.fullmatch(given) else uuid.uuid4().hex[:16]
    return request.environ['mediation.request_id']


#: The browser remembers the chosen language beyond the session (signing out or an expired
#: session starts a new one): a plain preference, no personal data.
LOCALE_COOKIE = 'locale'
LOCALE_COOKIE_MAX_AGE = 365 * 24 * 3600


def select_locale():
    """The session's language, else the one this browser chose before, else Chinese."""
    if not has_request_context():
        return current_app.config['BABEL_DEFAULT_LOCALE']
    for chosen in (session.get('locale'), request.cookies.get(LOCALE_COOKIE)):
        if chosen in current_app.config['LANGUAGES']:
            return chosen
    return current_app.config['BABEL_DEFAULT_LOCALE']


def remember_locale(response, code):
    """Keep ``code`` in a long-lived cookie on ``response`` (see ``select_locale``)."""
    response.set_cookie(LOCALE_COOKIE, code, max_age=LOCALE_COOKIE_MAX_AGE, httponly=True, samesite='Lax',
                        secure=current_app.config.get('SESSION_COOKIE_SECURE', False))
    return response


def select_timezone():
    return current_app.config['BABEL_DEFAULT_TIMEZONE']


def format_datetime(value):
    local = china_time(value)
    return local.strftime('%Y-%m-%d %H:%M') if local else ''


def format_date(value):
    return value.isoformat() if value else ''


def label(value):
    """The display label of a labelled enum member (or anything with ``label_zh``), in the chosen language.

    A category (or anything else with its own ``label``) gives that; an empty English label
    falls back to the Chinese one, never to nothing.
    """
    if value is None:
        return ''
    if hasattr(value, 'label_zh'):
        if _english() and getattr(value, 'label_en', ''):
            return value.label_en
        return value.label_zh
    own = getattr(value, 'label', None)
    return own if isinstance(own, str) else str(value)


def lazy_label(value):
    """``label(value)`` worked out when shown, for choices defined once at import (form classes)."""
    return LazyString(label, value)


def localised(item, name='text'):
    """``item[name + '_en']`` (or the attribute) on an English page when it is there, else ``item[name]``.

    For data worded in both languages when it was made: deadline steps, rule labels, notices.
    """
    def read(key):
        return item.get(key) if isinstance(item, dict) else getattr(item, key, None)
    if _english():
        english = read(f'{name}_en')
        if english:
            return english
    return read(name) or ''


def _english() -> bool:
    return has_request_context() and select_locale() == 'en'


def state_label(value):
    return label(State(value)) if value else ''


class IdConverter(IntegerConverter):
    """``<int:…>`` in every route stops at the largest id: a longer number is a 404, not a database error."""

    def __init__(self, url_map, *args, **kwargs):
        kwargs.setdefault('max', INTEGER_MAX)
        super().__init__(url_map, *args, **kwargs)


def register_template_helpers(app):
    app.jinja_env.filters['mask_address'] = lambda value: mask_address(value) if value else ''
    app.jinja_env.filters['state_label'] = state_label
    app.jinja_env.filters['datetime'] = format_datetime
    app.jinja_env.filters['date'] = format_date
    app.jinja_env.filters['label'] = label
    app.jinja_env.filters['localised'] = localised

    @app.after_request
    def tag_response(response):
        response.headers['X-Request-ID'] = request_id()
        return response

    @app.context_processor
    def inject_navigation():
        return {'navigation': navigation_for, 'current_locale': select_locale(),
                'languages': current_app.config['LANGUAGES'], 'request_path': request.path,
                'unread_notices': _unread_notices}


def _unread_notices():
    """The signed-in user's unread notices for the navigation badge (one query, only when a page asks)."""
    if not current_user.is_authenticated:
        return 0
    from mediation.services.notifications import unread_count
    return unread_count(current_user)
