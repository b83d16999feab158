"""The sweep's own writes done by SQL alone: the floor for what ``run_sweep`` must write.

The issue's baseline (bench.sweep) updates the due stages and writes one event each. The sweep
writes more, by design: per referred stage a claim in ``stage_action``, the stage update, a
``refer_up`` event, the parent committee's new stage and its ``received`` event, an overdue
notice to the committee, and a referral notice to the parent for the new stage — 1 update
and 6 inserts, each insert checked against two to four foreign keys. This module does exactly
those writes for the bench's data (every due stage is a village or town stage that is referred
up) with set-based statements and no Python in the loop, so the report can tell the cost of the
work itself from the cost of doing it from Python.

PostgreSQL: one statement of data-modifying CTEs. SQLite: a temporary table of the due rows,
then one INSERT … SELECT or UPDATE per table. Both in one transaction, commit included.
"""
import time

import sqlalchemy as sa

from bench import data

REFER_REASON = '调解期限届满未达成协议，系统自动移交上级调解组织（须经上级受理并征得当事人同意）'
#: The acceptance deadline of the new stages (3 working days from 1 December 2026) and its
#: due-soon day, as the sweep computes them for the bench's day.
ACCEPT_DUE = '2026-12-04'
ACCEPT_SOON = '2026-11-27'

_PARAMS = (sa.bindparam('now', type_=sa.DateTime), sa.bindparam('today', type_=sa.Date))

_PG = sa.text(f"""
WITH due AS (
    SELECT s.id, s.case_id, s.committee_id, s.level, s.due_on, s.court_id, o.parent_id, o.name AS committee_name
      FROM stage s JOIN organisation o ON o.id = s.committee_id
     WHERE s.next_check_on <= :today
       FOR UPDATE OF s SKIP LOCKED
), claimed AS (
    INSERT INTO stage_action (stage_id, action, at)
    SELECT id, 'expiry:mediation:' || due_on, :now FROM due
        ON CONFLICT DO NOTHING
 RETURNING stage_id
), referred AS (
    SELECT due.*, c.title FROM due JOIN claimed ON claimed.stage_id = due.id JOIN dispute_case c ON c.id = due.case_id
), updated AS (
    UPDATE stage
       SET state = 'referred_up', ended_at = :now, outcome = :reason, clock = NULL, due_on = NULL,
           due_soon_on = NULL, due_provisional = false, deadline_rule = NULL, next_check_on = NULL,
           version = version + 1
      FROM claimed WHERE stage.id = claimed.stage_id
), refer_events AS (
    INSERT INTO event (case_id, stage_id, actor_id, at, kind, from_state, to_state, reason, data)
    SELECT case_id, id, NULL, :now, 'refer_up', 'mediating', 'referred_up', :reason,
           json_build_object('automatic', true, 'due_on', due_on)
      FROM referred
), new_stages AS (
    INSERT INTO stage (case_id, committee_id, level, kind, state, previous_stage_id, court_id, received_at, clock,
                       deadline_rule, due_on, due_soon_on, due_provisional, next_check_on, version)
    SELECT case_id, parent_id, CASE level WHEN 'village' THEN 'town' ELSE 'district' END, 'people',
           'pending_acceptance', id, court_id, :now, 'acceptance', 'acceptance', DATE '{ACCEPT_DUE}',
           DATE '{ACCEPT_SOON}', false, DATE '{ACCEPT_SOON}', 1
      FROM referred
 RETURNING id, previous_stage_id, committee_id, case_id
), received_events AS (
    INSERT INTO event (case_id, stage_id, actor_id, at, kind, from_state, to_state, reason, data)
    SELECT case_id, id, NULL, :now, 'received', NULL, 'pending_acceptance', '', json_build_object('automatic', true)
      FROM new_stages
), overdue_notices AS (
    INSERT INTO notice (organisation_id, stage_id, kind, day, created_at, message)
    SELECT organisation_id, id, 'overdue', :today, :now, message FROM (
        SELECT committee_id AS organisation_id, id, '“' || title || '”（' || committee_name || '）期满未达成协议：移交上级调解。'
               AS message FROM referred
    ) AS recipients
        ON CONFLICT DO NOTHING
)
INSERT INTO notice (organisation_id, stage_id, kind, day, created_at, message)
SELECT n.committee_id, n.id, 'referral', :today, :now,
       r.committee_name || '期满未结的“' || r.title || '”已移交本级，请在期限内受理。'
  FROM new_stages n JOIN referred r ON r.id = n.previous_stage_id
    ON CONFLICT DO NOTHING
""").bindparams(*_PARAMS)

_SQLITE = [
    """CREATE TEMP TABLE bench_floor_due AS
       SELECT s.id, s.case_id, s.committee_id, s.level, s.due_on, s.court_id, o.parent_id,
              o.name AS committee_name, c.title
         FROM stage s JOIN organisation o ON o.id = s.committee_id JOIN dispute_case c ON c.id = s.case_id
        WHERE s.next_check_on <= :today""",
    """INSERT INTO stage_action (stage_id, action, at)
       SELECT id, 'expiry:mediation:' || due_on, :now FROM bench_floor_due WHERE true
           ON CONFLICT DO NOTHING""",
    """UPDATE stage
          SET state = 'referred_up', ended_at = :now, outcome = :reason, clock = NULL, due_on = NULL,
              due_soon_on = NULL, due_provisional = 0, deadline_rule = NULL, next_check_on = NULL,
              version = version + 1
        WHERE id IN (SELECT id FROM bench_floor_due)""",
    """INSERT INTO event (case_id, stage_id, actor_id, at, kind, from_state, to_state, reason, data)
       SELECT case_id, id, NULL, :now, 'refer_up', 'mediating', 'referred_up', :reason,
              json_object('automatic', json('true'), 'due_on', due_on)
         FROM bench_floor_due""",
    f"""INSERT INTO stage (case_id, committee_id, level, kind, state, previous_stage_id, court_id, received_at, clock,
                          deadline_rule, due_on, due_soon_on, due_provisional, next_check_on, version)
       SELECT case_id, parent_id, CASE level WHEN 'village' THEN 'town' ELSE 'district' END, 'people',
              'pending_acceptance', id, court_id, :now, 'acceptance', 'acceptance', '{ACCEPT_DUE}', '{ACCEPT_SOON}',
              0, '{ACCEPT_SOON}', 1
         FROM bench_floor_due""",
    """INSERT INTO event (case_id, stage_id, actor_id, at, kind, from_state, to_state, reason, data)
       SELECT case_id, id, NULL, :now, 'received', NULL, 'pending_acceptance', '',
              json_object('automatic', json('true'))
         FROM stage WHERE id > :last_id""",
    """INSERT INTO notice (organisation_id, stage_id, kind, day, created_at, message)
       SELECT committee_id, id, 'overdue', :today, :now,
              '“' || title || '”（' || committee_name || '）期满未达成协议：移交上级调解。'
         FROM bench_floor_due WHERE true
           ON CONFLICT DO NOTHING""",
    """INSERT INTO notice (organisation_id, stage_id, kind, day, created_at, message)
       SELECT s.committee_id, s.id, 'referral', :today, :now,
              d.committee_name || '期满未结的“' || d.title || '”已移交本级，请在期限内受理。'
         FROM stage s JOIN bench_floor_due d ON d.id = s.previous_stage_id
        WHERE s.id > :last_id
           ON CONFLICT DO NOTHING""",
    'DROP TABLE bench_floor_due',
]


def run(db, now) -> float:
    """Do the sweep's writes for the bench's due set in SQL alone; the seconds it took."""
    params = {'now': now, 'today': data.SWEEP_DAY, 'reason': REFER_REASON}
    started = time.perf_counter()
    with db.engine.begin() as conn:
        if conn.dialect.name == 'postgresql':
            conn.execute(_PG, params)
        else:
            params['last_id'] = conn.exec_driver_sql('SELECT max(id) FROM stage').scalar()
            for sql in _SQLITE:
                conn.execute(sa.text(sql).bindparams(*(p for p in _PARAMS if f':{p.key}' in sql)), params)
    return time.perf_counter() - started
