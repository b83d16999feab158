"""What ``mediation seed-demo`` prints: what was loaded, and the demo accounts."""
from collections import Counter
from datetime import date

import sqlalchemy as sa

from mediation.demo.places import COURT
from mediation.demo.places import DISTRICT
from mediation.demo.places import DISTRICT_CODE
from mediation.demo.places import TOWNS
from mediation.demo.places import USERS
from mediation.demo.places import password_for
from mediation.demo.scenarios import CasePlan
from mediation.extensions import db
from mediation.models import Stage
from workflows.enums import Clock
from workflows.enums import Level
from workflows.states import State


def users_table() -> str:
    """The demo accounts as a Markdown table (copied into the README)."""
    names = {DISTRICT_CODE: DISTRICT[0], COURT[0]: COURT[1]}
    for town_code, town_name, _, villages in TOWNS:
        names[town_code] = town_name
        for code, name, _ in villages:
            names[code] = f'{town_name}{name}'
    lines = ['| username | password | role | organisation |', '| --- | --- | --- | --- |']
    for username, _, role, org_code in USERS:
        lines.append(f'| {username} | {password_for(username)} | {role.label_zh} ({role.value}) | {names[org_code]} |')
    return '\n'.join(lines)


def report(plans: list[CasePlan], today: date) -> str:
    case_ids = [plan.case.id for plan in plans]
    stages = db.session.execute(sa.select(Stage.level, Stage.state, Stage.clock, Stage.due_on, Stage.due_soon_on)
                                .where(Stage.case_id.in_(case_ids))).all()
    by_state = Counter(State(state) for _, state, *_ in stages)
    by_level = Counter(Level(level) for level, *_ in stages)
    due_soon = Counter(Clock(clock) for _, _, clock, due, soon in stages
                       if due is not None and soon is not None and soon <= today <= due)
    overdue = Counter(Clock(clock) for _, _, clock, due, _ in stages if due is not None and due < today)
    lines = [
        f'已载入演示数据：{DISTRICT[0]}（{len(TOWNS)} 个乡镇街道、{sum(len(t[3]) for t in TOWNS)} 个村社区）、'
        f'{COURT[1]}，{len(USERS)} 个用户，{len(plans)} 件纠纷，{len(stages)} 个阶段。',
        '阶段所在层级：' + '，'.join(f'{level.label_zh} {by_level[level]}' for level in Level if by_level[level]),
        '阶段状态：' + '，'.join(f'{state.label_zh} {by_state[state]}' for state in State if by_state[state]),
        f'期限：调解期限即将到期 {due_soon[Clock.MEDIATION]} 个、已超期 {overdue[Clock.MEDIATION]} 个；'
        f'受理期限即将到期 {due_soon[Clock.ACCEPTANCE]} 个、已超期 {overdue[Clock.ACCEPTANCE]} 个；'
        f'司法确认申请期已过 {overdue[Clock.JC_APPLY]} 个。',
        '工作记录：' + '，'.join(f'{name} {count}' for name, count in _record_counts(case_ids)) + '。',
        '未运行巡检：运行 `mediation sweep` 即可看到超期阶段被提醒、移交上级或退回法院。',
        '',
        '演示账号 / Demo users:',
        '',
        users_table(),
    ]
    return '\n'.join(lines)


def _record_counts(case_ids) -> list[tuple[str, int]]:
    from mediation.models import Attachment
    from mediation.models import FollowUpVisit
    from mediation.models import Investigation
    from mediation.models import MediationSession
    from mediation.models import PerformanceRecord
    return [(name, db.session.scalar(sa.select(sa.func.count()).select_from(model)
                                     .where(model.case_id.in_(case_ids))))
            for name, model in (('调解记录', MediationSession), ('调查记录', Investigation), ('证据材料', Attachment),
                                ('履行登记与督促', PerformanceRecord), ('回访记录', FollowUpVisit))]
