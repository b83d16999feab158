from flask import abort
from flask import render_template
from flask import request
from flask_login import current_user
from flask_login import login_required

from mediation.chinatime import today_in_china
from mediation.main import bp
from mediation.main.forms import DeadlineCalculatorForm
from mediation.services import calendar as calendar_service
from mediation.services import dashboard as work_queries
from mediation.services import supervision as supervision_service
from workflows.enums import OrgKind
from workflows.enums import Role

#: Rows of each deadline list on the dashboard, and on the deadlines page (the case list pages through the rest).
DASHBOARD_ROWS = 10
DEADLINE_ROWS = 100


@bp.route('/')
@login_required
def dashboard():
    today = today_in_china()
    missing_years = calendar_service.missing_years_ahead(today) if current_user.role == Role.ADMIN else []
    tiles = work_queries.tiles(current_user, today)
    return render_template('main/dashboard.html', tiles=tiles, tile_counts={tile.key: tile.count for tile in tiles},
                           below=current_user.organisation.kind in (OrgKind.TOWN, OrgKind.DISTRICT), today=today,
                           deadlines=work_queries.deadline_lists(current_user, today, limit=DASHBOARD_ROWS),
                           notices=work_queries.recent_notices(current_user), missing_years=missing_years)


@bp.route('/deadlines')
@login_required
def deadlines():
    today = today_in_china()
    return render_template('main/deadlines.html', today=today,
                           below=current_user.organisation.kind in (OrgKind.TOWN, OrgKind.DISTRICT),
                           deadlines=work_queries.deadline_lists(current_user, today, limit=DEADLINE_ROWS,
                                                                 counts=True))


@bp.route('/supervision')
@login_required
def supervision():
    """Each committee below the user's: open, due soon, overdue, oldest open cases, referred up this month."""
    if not supervision_service.supervises(current_user):
        abort(403)
    today = today_in_china()
    return render_template('main/supervision.html', today=today,
                           report=supervision_service.report(current_user, today))


@bp.route('/deadline-calculator')
@login_required
def deadline_calculator():
    form = DeadlineCalculatorForm(request.args)
    result = None
    if request.args and form.validate():
        result = calendar_service.compute_period(form.start.data, form.unit.data, form.amount.data)
    return render_template('main/deadline_calculator.html', form=form, result=result)
