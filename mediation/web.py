"""Locale, time zone and template helpers shared by every page."""
from flask import current_app
from flask import request
from flask import session
from flask_babel import lazy_gettext as _l
from werkzeug.routing import IntegerConverter

from mediation.chinatime import china_time
from mediation.database import INTEGER_MAX


def select_locale():
    chosen = session.get('locale')
    if chosen in current_app.config['LANGUAGES']:
        return chosen
    return current_app.config['BABEL_DEFAULT_LOCALE']


def select_timezone():
    return current_app.config['BABEL_DEFAULT_TIMEZONE']


def format_datetime(value):
    local = china_time(value)
    return local.strftime('%Y-%m-%d %H:%M') if local else ''


def format_date(value):
    return value.isoformat() if value else ''


def label(value):
    """The display label of an enum member: Chinese unless the user chose English."""
    if value is None:
        return ''
    if select_locale() == 'en' and hasattr(value, 'label_en'):
        return value.label_en
    return getattr(value, 'label_zh', str(value))


#: Labels of the events that are not transitions
# 'received' names the opening event of receiving stages recorded before escalations were one event.
EVENT_LABELS = {'created': _l('登记纠纷'), 'received': _l('收到移交/移送'), 'pii_viewed': _l('查看完整个人信息'),
                'deadline_lapsed': _l('期限届满')}


def state_label(value):
    from workflows.states import State
    return label(State(value)) if value else ''


class IdConverter(IntegerConverter):
    """``<int:…>`` in every route stops at the largest id: a longer number is a 404, not a database error."""

    def __init__(self, url_map, *args, **kwargs):
        kwargs.setdefault('max', INTEGER_MAX)
        super().__init__(url_map, *args, **kwargs)


def register_template_helpers(app):
    from mediation.identifiers import mask_address
    app.jinja_env.filters['mask_address'] = lambda value: mask_address(value) if value else ''
    app.jinja_env.filters['state_label'] = state_label
    app.jinja_env.globals['event_labels'] = EVENT_LABELS
    app.jinja_env.filters['datetime'] = format_datetime
    app.jinja_env.filters['date'] = format_date
    app.jinja_env.filters['label'] = label

    @app.context_processor
    def inject_navigation():
        from mediation.navigation import navigation_for
        return {'navigation': navigation_for, 'current_locale': select_locale(),
                'languages': current_app.config['LANGUAGES'], 'request_path': request.path}
