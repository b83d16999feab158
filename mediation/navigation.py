"""The navigation bar for each role."""
from flask import url_for
from flask_babel import gettext as _

from mediation.services.supervision import supervises
from workflows.enums import Role


def navigation_for(user):
    """(label, url) pairs the user's role may use, in display order."""
    if not user.is_authenticated:
        return []
    items = [(_('工作台'), url_for('main.dashboard')), (_('案件'), url_for('cases.index'))]
    if user.role.registers_cases:
        items.append((_('登记纠纷'), url_for('cases.new')))
    if user.role == Role.COURT_OFFICER:
        items += [(_('法院收案'), url_for('court.inbox')), (_('委派委托'), url_for('court.sent')),
                  (_('委派调解'), url_for('court.delegate'))]
    if user.role in (Role.TOWN_MEDIATOR, Role.DISTRICT_OFFICER, Role.COURT_OFFICER):
        items.append((_('到期与超期'), url_for('main.deadlines')))
    if supervises(user):
        items.append((_('督导'), url_for('main.supervision')))
    if user.role != Role.COURT_OFFICER:
        items.append((_('统计'), url_for('statistics.index')))
    items.append((_('期限计算'), url_for('main.deadline_calculator')))
    if user.role == Role.ADMIN:
        items += [(_('组织机构'), url_for('admin.organisations')), (_('用户'), url_for('admin.users')),
                  (_('工作日历'), url_for('admin.calendar'))]
    return items
