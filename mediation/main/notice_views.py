"""The notices page: the organisation's reminders and alerts, read per user, and the referrals
waiting for its acceptance (``services.notifications``)."""
from flask import abort
from flask import flash
from flask import redirect
from flask import render_template
from flask import request
from flask import url_for
from flask_babel import gettext as _
from flask_login import current_user
from flask_login import login_required

from mediation.formutil import BaseForm
from mediation.main import bp
from mediation.services import notifications


class NoticeForm(BaseForm):
    """CSRF-only form of the "mark read" buttons."""


@bp.route('/notices')
@login_required
def notices():
    before = request.args.get('before') or None
    if before is not None and notifications.parse_cursor(before) is None:
        before = None  # a stale or edited link: the first page
    items, following = notifications.stored_notices(current_user, before=before)
    return render_template('main/notices.html', items=items,
                           arrivals=notifications.waiting_arrivals(current_user) if before is None else [],
                           next_url=url_for('main.notices', before=following) if following else None,
                           first_url=url_for('main.notices') if before else None,
                           unread_days=notifications.UNREAD_DAYS)


@bp.route('/notices/<int:notice_id>/read', methods=['POST'])
@login_required
def notice_read(notice_id):
    if not NoticeForm().validate_on_submit():
        abort(400)
    notifications.mark_read(current_user, notice_id)
    return redirect(_back())


@bp.route('/notices/read-all', methods=['POST'])
@login_required
def notices_read_all():
    if not NoticeForm().validate_on_submit():
        abort(400)
    count = notifications.mark_all_read(current_user)
    flash(_('已将 %(count)s 条提醒标为已读。', count=count), 'success')
    return redirect(_back())


def _back():
    """Where the button was pressed (the notices page or the dashboard), never another site."""
    target = request.form.get('next', '')
    if target.startswith('/') and not target.startswith('//') and '\\' not in target:
        return target
    return url_for('main.notices')
