from flask import render_template
from flask import request
from flask_login import current_user
from flask_login import login_required

from mediation.chinatime import today_in_china
from mediation.main import bp
from mediation.main.forms import DeadlineCalculatorForm
from mediation.services import calendar as calendar_service
from mediation.services import dashboard as work_queries
from workflows.enums import Role


@bp.route('/')
@login_required
def dashboard():
    today = today_in_china()
    counts = work_queries.own_stage_counts(current_user, today) if current_user.role != Role.ADMIN else None
    overdue, due_soon = work_queries.deadline_watch(current_user, today, limit=20)
    missing_years = calendar_service.missing_years_ahead(today) if current_user.role == Role.ADMIN else []
    return render_template('main/dashboard.html', counts=counts, overdue=overdue, due_soon=due_soon, today=today,
                           notices=work_queries.recent_notices(current_user), missing_years=missing_years)


@bp.route('/deadlines')
@login_required
def deadlines():
    today = today_in_china()
    overdue, due_soon = work_queries.deadline_watch(current_user, today)
    return render_template('main/deadlines.html', overdue=overdue, due_soon=due_soon, today=today)


@bp.route('/deadline-calculator')
@login_required
def deadline_calculator():
    form = DeadlineCalculatorForm(request.args)
    result = None
    if request.args and form.validate():
        result = calendar_service.compute_period(form.start.data, form.unit.data, form.amount.data)
    return render_template('main/deadline_calculator.html', form=form, result=result)
