"""Administrators' pages: the organisation tree, users and roles, the holiday calendar.

Every page needs the admin role. Services validate and flush; the request commits. A bad
form is shown again with what was typed and a Chinese message at the field (status 422).
"""
from datetime import date

from flask import abort
from flask import current_app
from flask import flash
from flask import redirect
from flask import render_template
from flask import request
from flask import url_for
from flask_babel import gettext as _
from flask_login import current_user
from flask_login import login_required
from wtforms.fields.choices import SelectChoice

from mediation.admin import bp
from mediation.admin.forms import DAY_KINDS
from mediation.admin.forms import ConfirmForm
from mediation.admin.forms import EditOrganisationForm
from mediation.admin.forms import EditUserForm
from mediation.admin.forms import LoadYearForm
from mediation.admin.forms import NewOrganisationForm
from mediation.admin.forms import NewUserForm
from mediation.admin.forms import NoticeForm
from mediation.admin.forms import RemoveDayForm
from mediation.admin.forms import SetDayForm
from mediation.chinatime import today_in_china
from mediation.database import database_integer
from mediation.errors import ValidationFailed
from mediation.extensions import db
from mediation.models import CalendarDay
from mediation.models import Organisation
from mediation.models import User
from mediation.services import accounts
from mediation.services import calendar as calendar_service
from mediation.services import orgs as org_service
from mediation.web import label
from workflows.calendar import chinesecalendar_years
from workflows.enums import OrgKind
from workflows.enums import Role


@bp.before_request
@login_required
def require_admin():
    if not current_user.is_admin:
        abort(403)


def _attach_error(form, error: ValidationFailed, rename=None):
    """Show a service's error at its field (or as a banner when the form has no such field)."""
    name = error.details.get('field') or ''
    name = (rename or {}).get(name, name)
    field = form._fields.get(name)
    if field is not None:
        field.errors = list(field.errors) + [error.message]
    else:
        flash(error.message, 'danger')


# --- organisations ---------------------------------------------------------------------------

@bp.route('/organisations')
def organisations():
    rows, courts = org_service.tree_rows()
    return render_template('admin/organisations.html', rows=rows, courts=courts)


def _org_label(org: Organisation) -> str:
    text = org.name
    if org.parent is not None:
        text += f'（{org.parent.name}）'
    if not org.active:
        text += _('〔已停用〕')
    return text


def _fill_org_choices(form, org=None):
    parents = org_service.organisations_of_kind(OrgKind.DISTRICT, OrgKind.TOWN)
    form.parent_id.choices = [SelectChoice(0, _('（无上级：区县、法院）'))] + [
        SelectChoice(p.id, _org_label(p), optgroup=label(p.kind)) for p in parents
        if org is None or p.id != org.id]
    form.served_districts.choices = [SelectChoice(d.id, _org_label(d))
                                     for d in org_service.organisations_of_kind(OrgKind.DISTRICT)]


def _org_values(form):
    parent = db.session.get(Organisation, form.parent_id.data) if form.parent_id.data else None
    return dict(name=form.name.data, short_name=form.short_name.data, code=form.code.data, parent=parent,
                committee_name=form.committee_name.data or '',
                served_districts=org_service.get_organisations(form.served_districts.data or []))


@bp.route('/organisations/new', methods=['GET', 'POST'])
def new_organisation():
    form = NewOrganisationForm()
    _fill_org_choices(form)
    if not form.is_submitted():
        # "add a town/village below" links pass the kind and the parent
        if request.args.get('kind') in {k.value for k in OrgKind}:
            form.kind.data = request.args['kind']
        form.parent_id.data = request.args.get('parent', 0, type=database_integer)
    elif form.validate():
        try:
            org = org_service.create_organisation(kind=form.kind.data, **_org_values(form))
        except ValidationFailed as error:
            db.session.rollback()
            _attach_error(form, error)
        else:
            flash(_('已新建“%(name)s”。', name=org.name), 'success')
            return redirect(url_for('admin.organisations') + f'#org-{org.id}')
    return _render_org_form(form, None)


@bp.route('/organisations/<int:org_id>/edit', methods=['GET', 'POST'])
def edit_organisation(org_id):
    org = db.get_or_404(Organisation, org_id)
    if request.method == 'POST':
        form = EditOrganisationForm()
    else:
        form = EditOrganisationForm(data={
            'name': org.name, 'committee_name': org.committee_name, 'short_name': org.short_name,
            'code': org.code, 'parent_id': org.parent_id or 0, 'active': org.active,
            'served_districts': [d.id for d in org.served_districts]})
    _fill_org_choices(form, org)
    if form.validate_on_submit():
        old_path = org.path
        try:
            org_service.update_organisation(org, active=form.active.data, **_org_values(form))
        except ValidationFailed as error:
            db.session.rollback()
            _attach_error(form, error)
        else:
            message = _('已保存“%(name)s”。', name=org.name)
            if org.path != old_path:
                message += _('该单位及其下级已移到新的上级之下。')
            flash(message, 'success')
            return redirect(url_for('admin.organisations') + f'#org-{org.id}')
    return _render_org_form(form, org)


def _render_org_form(form, org):
    if form.is_submitted():
        flash(_('请检查标红的项目后重新提交。'), 'danger')
    return render_template('admin/organisation_form.html', form=form, org=org), \
        422 if form.is_submitted() else 200


# --- users -----------------------------------------------------------------------------------

@bp.route('/users')
def users():
    q = request.args.get('q', '').strip()[:100]
    page = request.args.get('page', 1, type=database_integer)
    rows, has_next = accounts.list_users(q, page=page, per_page=current_app.config['PAGE_SIZE'])
    args = {'q': q} if q else {}
    return render_template(
        'admin/users.html', users=rows, q=q, failures=accounts.failure_summaries(user.username for user in rows),
        unlock_form=ConfirmForm(),
        prev_url=url_for('admin.users', page=page - 1, **args) if page > 1 else None,
        next_url=url_for('admin.users', page=page + 1, **args) if has_next else None)


@bp.route('/sign-in-failures')
def sign_in_failures():
    """The latest failed sign-ins, any name typed: many unknown names from one client is someone guessing."""
    rows = accounts.recent_failures()
    known = accounts.known_usernames({row.username for row in rows})
    return render_template('admin/sign_in_failures.html', rows=rows, known=known,
                           window=int(current_app.config['LOGIN_LOCKOUT'].total_seconds() // 60),
                           limit=current_app.config['LOGIN_MAX_FAILURES'])


def _fill_user_choices(form, user=None):
    form.role.choices = [SelectChoice(role.value, label(role)) for role in Role]
    kinds = (OrgKind.DISTRICT, OrgKind.TOWN, OrgKind.VILLAGE, OrgKind.COURT)
    choices = [SelectChoice(0, _('请选择'))]
    for kind in kinds:  # grouped by kind, so the role's kind is easy to find
        choices += [SelectChoice(o.id, _org_label(o), optgroup=label(kind)) for o in org_service.organisations_of_kind(
            kind, include=user.organisation if user else None, active_only=True)]
    form.organisation_id.choices = choices


def _chosen_organisation(form):
    """The organisation picked in a validated form, or None with a message at the field."""
    if form.organisation_id.errors:  # not one of the choices (a forged or 40-digit id is never looked up)
        return None
    if form.organisation_id.data:
        return db.session.get(Organisation, form.organisation_id.data)
    if not form.organisation_id.errors:
        form.organisation_id.errors = list(form.organisation_id.errors) + [_('请选择所属单位。')]
    return None


def _validated_organisation(form):
    """Validate the user form; the chosen organisation when everything is valid, else None."""
    valid = form.validate()  # every field's message at once, the organisation's included
    organisation = _chosen_organisation(form)
    return organisation if valid else None


@bp.route('/users/new', methods=['GET', 'POST'])
def new_user():
    form = NewUserForm()
    _fill_user_choices(form)
    if not form.is_submitted():
        form.role.data = request.args.get('role', Role.VILLAGE_MEDIATOR.value)
        form.organisation_id.data = request.args.get('organisation', 0, type=database_integer)
    elif (organisation := _validated_organisation(form)) is not None:
        try:
            user = accounts.create_user(username=form.username.data, display_name=form.display_name.data or '',
                                        password=form.password.data, role=Role(form.role.data),
                                        organisation=organisation)
        except ValidationFailed as error:
            db.session.rollback()
            _attach_error(form, error)
        else:
            flash(_('已新建用户“%(name)s”。', name=user.username), 'success')
            return redirect(url_for('admin.users', q=user.username))
    return _render_user_form(form, None)


@bp.route('/users/<int:user_id>/edit', methods=['GET', 'POST'])
def edit_user(user_id):
    user = db.get_or_404(User, user_id)
    if request.method == 'POST':
        form = EditUserForm()
    else:
        form = EditUserForm(data={'display_name': user.display_name, 'role': user.role.value,
                                  'organisation_id': user.organisation_id, 'active': user.active})
    _fill_user_choices(form, user)
    if form.is_submitted() and (organisation := _validated_organisation(form)) is not None:
        role = Role(form.role.data)
        try:
            accounts.check_self_change(current_user, user, role=role, active=form.active.data)
            accounts.update_user(user, display_name=form.display_name.data or '', role=role,
                                 organisation=organisation, active=form.active.data,
                                 new_password=form.new_password.data or '', unlock=form.unlock.data)
        except ValidationFailed as error:
            db.session.rollback()
            _attach_error(form, error, rename={'password': 'new_password'})
        else:
            flash(_('已保存用户“%(name)s”。', name=user.username), 'success')
            return redirect(url_for('admin.users', q=user.username))
    return _render_user_form(form, user)


@bp.route('/users/<int:user_id>/unlock', methods=['POST'])
def unlock_user(user_id):
    """One-click unlock from the list: forgets the account's failed sign-ins from every client."""
    user = db.get_or_404(User, user_id)
    if not ConfirmForm().validate_on_submit():
        abort(400)
    accounts.forget_failures(user)
    flash(_('已解除“%(name)s”的登录锁定。', name=user.username), 'success')
    return redirect(request.referrer if _same_site(request.referrer) else url_for('admin.users'))


def _same_site(url):
    return bool(url) and url.startswith(request.host_url)


def _render_user_form(form, user):
    if form.is_submitted():
        flash(_('请检查标红的项目后重新提交。'), 'danger')
    return render_template('admin/user_form.html', form=form, user=user,
                           failures=accounts.failure_summaries([user.username]).get(user.username) if user else None,
                           min_password=current_app.config['PASSWORD_MIN_LENGTH']), \
        422 if form.is_submitted() else 200


# --- calendar --------------------------------------------------------------------------------

def _year_arg():
    year = request.args.get('year', type=int)
    if year is None or not 1990 <= year <= 2100:
        return today_in_china().year
    return year


@bp.route('/calendar')
def calendar():
    year = _year_arg()
    set_form = SetDayForm(formdata=None)
    chosen = request.args.get('day', '')
    if chosen:  # "change" link on a listed day fills the form with that day's entry
        try:
            day = date.fromisoformat(chosen)
        except ValueError:
            day = None
        row = db.session.get(CalendarDay, day) if day else None
        set_form = SetDayForm(formdata=None, data={
            'day': day, 'kind': 'workday' if row is not None and row.is_workday else 'holiday',
            'name': row.name if row is not None else ''})
    return _render_calendar(year, set_form=set_form)


@bp.route('/calendar/day', methods=['POST'])
def calendar_set_day():
    form = SetDayForm()
    if not form.validate():
        return _render_calendar(_year_arg(), set_form=form, status=422)
    message = calendar_service.set_day(form.day.data, DAY_KINDS[form.kind.data], form.name.data or None,
                                       actor=current_user)
    flash(message, 'success')
    return redirect(url_for('admin.calendar', year=form.day.data.year) + '#days')


@bp.route('/calendar/day/remove', methods=['POST'])
def calendar_remove_day():
    form = RemoveDayForm()
    if not form.validate():
        return _render_calendar(_year_arg(), remove_form=form, status=422)
    days = form.days()
    if len(days) == 1:
        category = 'success' if db.session.get(CalendarDay, days[0]) is not None else 'info'
        message = calendar_service.remove_day(days[0], actor=current_user)
    else:
        for day in days:
            calendar_service.remove_day(day, actor=current_user)
        message = _('已删除 %(first)s 至 %(last)s 的安排（%(count)s 天），涉及的期限已重算。',
                    first=days[0].isoformat(), last=days[-1].isoformat(), count=len(days))
        category = 'success'
    flash(message, category)
    return redirect(url_for('admin.calendar', year=days[0].year) + '#days')


@bp.route('/calendar/load', methods=['POST'])
def calendar_load_year():
    form = LoadYearForm()
    if form.validate():
        year = form.year.data
        available = chinesecalendar_years()
        if year not in available:
            form.year.errors.append(_(
                '已安装的节假日数据包（chinesecalendar）只有 %(first)s–%(last)s 年的数据，没有 %(year)s 年的；'
                '请按国务院办公厅的放假通知在本页手工录入，或升级该数据包。',
                first=available.start, last=available.stop - 1, year=year))
        else:
            try:
                message = calendar_service.load_year(year, actor=current_user)
            except ValueError as error:
                db.session.rollback()
                form.year.errors.append(str(error).split('；')[0])
            else:
                flash(message, 'success')
                return redirect(url_for('admin.calendar', year=year))
    return _render_calendar(_year_arg(), load_form=form, status=422)


@bp.route('/calendar/notice', methods=['POST'])
def calendar_notice():
    """A whole notice at once: every line is checked first; nothing is saved if one is wrong."""
    form = NoticeForm()
    if not form.validate():
        return _render_calendar(_year_arg(), notice_form=form, status=422)
    for entry in form.entries:
        calendar_service.set_day(entry.day, entry.is_workday, entry.name or None, actor=current_user)
    holidays = sum(1 for e in form.entries if not e.is_workday)
    years = sorted({e.day.year for e in form.entries})
    flash(_('已按通知录入 %(total)s 天（放假 %(holidays)s 天，调休上班 %(workdays)s 天），涉及的期限已重算。',
            total=len(form.entries), holidays=holidays, workdays=len(form.entries) - holidays), 'success')
    return redirect(url_for('admin.calendar', year=years[0]) + '#days')


def _day_blocks(rows: list[CalendarDay]) -> list[dict]:
    """Consecutive days with the same arrangement as one block, as a holiday notice lists them."""
    blocks = []
    for row in rows:
        last = blocks[-1] if blocks else None
        if last and (row.day - last['end']).days == 1 and \
                (row.is_workday, row.name, row.source) == (last['is_workday'], last['name'], last['source']):
            last['end'] = row.day
            last['count'] += 1
        else:
            blocks.append({'start': row.day, 'end': row.day, 'count': 1, 'is_workday': row.is_workday,
                           'name': row.name, 'source': row.source})
    return blocks


def _render_calendar(year, *, set_form=None, load_form=None, notice_form=None, remove_form=None, status=200):
    if status == 422:
        flash(_('请检查标红的项目后重新提交。'), 'danger')
    today = today_in_china()
    known = calendar_service.known_years()
    missing = calendar_service.missing_years_ahead(today)
    available = chinesecalendar_years()
    if load_form is None:
        load_form = LoadYearForm(formdata=None, data={'year': missing[0] if missing else today.year + 1})
    return render_template(
        'admin/calendar.html', year=year, today=today, known=known, known_ranges=calendar_service.year_ranges(known),
        missing=missing, available=available, blocks=_day_blocks(calendar_service.special_days(year)),
        set_form=set_form or SetDayForm(formdata=None), load_form=load_form,
        notice_form=notice_form or NoticeForm(formdata=None), remove_form=remove_form or RemoveDayForm(formdata=None),
        nearby_years=[y for y in range(year - 2, year + 3)]), status
