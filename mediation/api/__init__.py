"""JSON API under /api/v1 with bearer tokens (``mediation create-token USERNAME``), built with
flask-smorest: the views declare their arguments and responses as marshmallow schemas, and the
OpenAPI 3 document (``/api/v1/openapi.json``) and its interactive page (``/api/v1/docs``, Swagger
UI served from ``static/vendor/swagger-ui``) are generated from them.

Errors under /api/v1 are always ``{"error": {"code", "message"}}``: flask-smorest's own handler
for every HTTP error in the app is not installed (it would turn the pages' HTML error pages into
JSON); ``mediation.errors`` answers by path instead, and the request parser below turns what
webargs finds wrong into ``ValidationFailed``.
"""
import flask
import flask_smorest
from webargs import core
from webargs.flaskparser import FlaskParser
from webargs.flaskparser import is_json_request

from mediation.api.schemas import ErrorSchema
from mediation.errors import ValidationFailed
from mediation.inputs import BadJSON

API_PREFIX = '/api/v1'
API_VERSION = '1.0'
#: The security requirement of every operation that needs a token.
BEARER = [{'bearer': []}]


class RequestParser(FlaskParser):
    """webargs, with the app's JSON rules and its error shape.

    The body is read with ``request.get_json()`` (``mediation.inputs.StrictJSONProvider``: depth
    limit, no NaN/Infinity, clean strings; a body it refuses is a 400 ``invalid_json``), not with
    webargs's own ``json.loads``. A body in another format is a 400 ``invalid_json`` too; a missing
    one reads as empty (422: the required fields are missing).
    """

    DEFAULT_VALIDATION_STATUS = 422
    #: An unknown query argument is refused (the schema's ``unknown = RAISE``): a misspelt filter
    #: must not silently list everything.
    DEFAULT_UNKNOWN_BY_LOCATION = {**FlaskParser.DEFAULT_UNKNOWN_BY_LOCATION, 'query': None, 'querystring': None}

    def _raw_load_json(self, req: flask.Request):
        if not is_json_request(req):
            if req.content_length or req.get_data(cache=True):
                raise BadJSON('请求体须为 JSON（Content-Type: application/json）。')
            return core.missing
        return req.get_json()

    def handle_error(self, error, req, schema, *, error_status_code, error_headers):
        problems = error.normalized_messages()
        location = next(iter(problems), '')
        fields = problems.get(location, problems) if isinstance(problems.get(location), dict) else problems
        names = '、'.join(str(name) for name in fields if name != '_schema') if isinstance(fields, dict) else ''
        where = {'json': '请求体', 'query': '查询参数'}.get(location, '请求')
        if names:
            message = f'{where}中以下字段不正确：{names}。'
        else:
            message = '请求体须为 JSON 对象。' if location == 'json' else f'{where}的格式不正确。'
        raise ValidationFailed(message, errors=fields if isinstance(fields, dict) else {'_schema': fields})


class Blueprint(flask_smorest.Blueprint):
    ARGUMENTS_PARSER = RequestParser()


class MediationApi(flask_smorest.Api):
    """flask-smorest's Api without its app-wide HTTP error handler (see the module's docstring)."""

    ERROR_SCHEMA = ErrorSchema

    def _register_error_handlers(self):
        pass

    def _openapi_swagger_ui(self):
        return flask.render_template('api/docs.html', title=self.spec.title,
                                     spec_url=flask.url_for(f'{self._make_doc_blueprint_name()}.openapi_json'))


bp = Blueprint('api', __name__, url_prefix=API_PREFIX, description='案件、流转、文书、移交包与文书验证。')

from mediation.api import statistics  # noqa: E402,F401
from mediation.api import views  # noqa: E402,F401


def init_api(app):
    """Attach the API and its generated document to ``app`` (one Api per app; the blueprint is shared)."""
    app.config.setdefault('API_TITLE', '枫桥式人民调解案件管理 API')
    app.config.setdefault('API_VERSION', API_VERSION)
    app.config.setdefault('OPENAPI_VERSION', '3.0.3')
    app.config.setdefault('OPENAPI_URL_PREFIX', API_PREFIX)
    app.config.setdefault('OPENAPI_JSON_PATH', 'openapi.json')
    app.config.setdefault('OPENAPI_SWAGGER_UI_PATH', 'docs')
    app.config.setdefault('OPENAPI_SWAGGER_UI_URL', '/static/vendor/swagger-ui/')
    api = MediationApi(app, spec_kwargs={'info': {'description': DESCRIPTION}})
    api.spec.components.security_scheme('bearer', {
        'type': 'http', 'scheme': 'bearer',
        'description': '`mediation create-token USERNAME` prints a token (shown once, stored hashed, revocable).'})
    api.register_blueprint(bp)
    app.extensions['mediation_api'] = api
    return api


DESCRIPTION = """\
枫桥式人民调解案件管理系统的对接接口（法院、政府系统）。

- Authentication: `Authorization: Bearer <token>` on every operation except `POST /verify`. A token acts
  as its user and sees exactly what that user sees on the pages (their jurisdiction); personal data
  (ID numbers, phones, USCC) is in full only for the users who handle the case.
- Errors: always `{"error": {"code": "...", "message": "..."}}` with the HTTP status
  (400 invalid_json, 401 unauthorised, 403 forbidden, 404 not_found, 405 method_not_allowed,
  409 stale_version, 422 validation_failed / invalid_transition,
  429 too_many_requests with Retry-After).
- Lists are read by cursor: pass `next_cursor` back as `cursor` until it is null.
- Times are ISO 8601 UTC (`Z`); dates (`due_on`, filters) are China dates.
"""
