"""Domain errors with user-facing messages, and the handlers that show them.

Pages get a Chinese message; the API gets ``{"error": {"code": ..., "message": ...}}``.
Nothing ever shows a traceback.
"""
from flask import jsonify
from flask import render_template
from flask import request
from werkzeug.exceptions import HTTPException


class ConfigurationError(RuntimeError):
    """The configuration cannot work: the app refuses to start and says why."""


class MediationError(Exception):
    status = 400
    code = 'bad_request'

    def __init__(self, message, **details):
        super().__init__(message)
        self.message = message
        self.details = details


class NotFound(MediationError):
    status = 404
    code = 'not_found'


class PermissionDenied(MediationError):
    status = 403
    code = 'forbidden'


class Conflict(MediationError):
    """Someone else changed the record since the form was loaded (optimistic locking)."""

    status = 409
    code = 'conflict'


class StaleVersion(Conflict):
    """The API's 409: the version the client read is not the stage's (``details['current_version']``)."""

    code = 'stale_version'


class InvalidCursor(MediationError):
    """The API's 400 for a page cursor that was altered or belongs to another list."""

    code = 'invalid_cursor'


class InvalidTransition(MediationError):
    """The transition is not allowed now; ``details['allowed']`` lists the ones that are."""

    status = 422
    code = 'invalid_transition'


class ValidationFailed(MediationError):
    status = 422
    code = 'validation_failed'


HTTP_MESSAGES = {
    400: '请求有误。',
    401: '请先登录。',
    403: '您没有权限执行此操作。',
    404: '找不到该页面或案件，或您无权查看。',
    405: '不支持该请求方式。',
    409: '数据已被他人修改，请刷新后重试。',
    413: '上传的文件过大。',
    422: '提交的内容无法处理。',
    429: '请求过于频繁，请稍后再试。',
    500: '系统内部错误，已记录，请稍后再试。',
}

#: The same statuses in the words an API client needs (under /api/).
API_HTTP_MESSAGES = {
    404: '没有这个接口路径或资源（接口说明见 /api/v1/openapi.json）。',
    405: '该路径不支持这种请求方式（见 /api/v1/openapi.json 及响应头 Allow）。',
    409: '资源已被修改，请重新读取后再提交。',
    429: '请求过于频繁，已超过该令牌的请求限额；请按响应头 Retry-After 所示的秒数后重试。',
}


def wants_json() -> bool:
    return request.path.startswith('/api/') or (
        request.accept_mimetypes.best == 'application/json')


def error_response(status, code, message, details=None, headers=None):
    from mediation.web import request_id
    if wants_json():
        body = {'error': {'code': code, 'message': message}}  # the request id is in the X-Request-ID header
        if details:
            body['error'].update(details)
        return jsonify(body), status, headers or {}
    return render_template('errors/error.html', status=status, message=message, request_id=request_id()), \
        status, headers or {}


def register_error_handlers(app):
    from flask_wtf.csrf import CSRFError

    from mediation.extensions import db
    from mediation.inputs import BadJSON

    @app.errorhandler(MediationError)
    def handle_domain_error(error):
        db.session.rollback()
        return error_response(error.status, error.code, error.message, error.details)

    @app.errorhandler(CSRFError)
    def handle_csrf(error):
        db.session.rollback()
        return error_response(400, 'csrf_failed', '页面打开太久或已退出登录，这次提交没有保存（安全校验码 CSRF 已失效）。'
                                                  '请点浏览器的“返回”回到上一页，复制已填写的内容，再刷新页面重新提交。')

    @app.errorhandler(BadJSON)
    def handle_bad_json(error):
        db.session.rollback()
        return error_response(400, 'invalid_json', error.description)

    @app.errorhandler(HTTPException)
    def handle_http(error):
        db.session.rollback()
        api = request.path.startswith('/api/')
        message = (api and API_HTTP_MESSAGES.get(error.code)) or HTTP_MESSAGES.get(error.code, error.description)
        # Keep what the status needs (Allow on a 405, Retry-After on a 429), not the HTML content type.
        headers = {name: value for name, value in error.get_headers() if name.lower() != 'content-type'}
        return error_response(error.code, error.name.lower().replace(' ', '_'), message, headers=headers)

    @app.errorhandler(Exception)
    def handle_unexpected(error):
        from mediation.web import request_id
        db.session.rollback()
        app.logger.exception('unhandled error [request %s] on %s %s', request_id(), request.method, request.path)
        return error_response(500, 'internal_error', HTTP_MESSAGES[500])
