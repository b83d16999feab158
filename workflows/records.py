"""The records of a mediator's work on a stage, and when each may be written (domain.md §1.7, §3.2).

A record does not change the stage's state (so it never makes a colleague's open form stale);
these rules say in which states the stage's handlers may add one. A closed dossier is read-only.
"""
from .enums import LabelledEnum
from .enums import PerformanceStatus
from .states import OPEN_STATES
from .states import State


class RecordKind(LabelledEnum):
    """A kind of work record (each has its own form, table and timeline entry)."""

    SESSION = 'session', '调解记录', 'Mediation session'
    INVESTIGATION = 'investigation', '调查记录', 'Investigation record'
    EVIDENCE = 'evidence', '证据材料', 'Evidence'
    PERFORMANCE = 'performance', '履行情况', 'Performance of the agreement'
    FOLLOW_UP = 'follow_up', '回访记录', 'Follow-up visit'
    NOTE = 'note', '工作备注', 'Case note'


#: Where each record may be added. Sessions are held once the case is accepted and while it is
#: negotiated (a failed stage still records the session that failed); investigations may come
#: before acceptance too (to decide it); evidence of performance (receipts) comes after the
#: agreement; performance and follow-up visits belong to an agreement in force (PML Art 31).
RECORDABLE_IN: dict[RecordKind, frozenset[State]] = {
    RecordKind.SESSION: frozenset({State.MEDIATING, State.AGREEMENT_PENDING, State.FAILED}),
    RecordKind.INVESTIGATION: OPEN_STATES,
    RecordKind.EVIDENCE: OPEN_STATES | {State.AGREED},
    RecordKind.PERFORMANCE: frozenset({State.AGREED}),
    RecordKind.FOLLOW_UP: frozenset({State.AGREED}),
    RecordKind.NOTE: frozenset(State) - {State.CLOSED},
}

#: A record may be corrected while it could still be added (never once the dossier is closed).
CORRECTABLE = frozenset({RecordKind.SESSION, RecordKind.INVESTIGATION, RecordKind.FOLLOW_UP})


def may_record(kind: RecordKind, state: State) -> bool:
    """The stage's handlers may add a ``kind`` record in ``state``."""
    return state in RECORDABLE_IN[kind]


def refusal(kind: RecordKind, state: State) -> str:
    """Why a ``kind`` record cannot be added in ``state``, in Chinese."""
    if state == State.CLOSED:
        return '该阶段已结案，卷宗不能再添加或更正记录。'
    allowed = '、'.join(member.label_zh for member in State if member in RECORDABLE_IN[kind])
    return f'当前状态为“{state.label_zh}”，不能添加{kind.label_zh}（可添加的状态：{allowed}）。'


def performance_summary(statuses: list[PerformanceStatus]) -> tuple[PerformanceStatus, int, int]:
    """The agreement's overall performance from its terms' latest statuses: (status, fulfilled, terms).

    Every term fulfilled: fulfilled. Any term not fulfilled (breached): breached, so a supervisor
    sees it before the rest. Otherwise pending (履行中) — "履行中 2/3" on the lists.
    """
    terms = len(statuses)
    fulfilled = sum(1 for status in statuses if status == PerformanceStatus.FULFILLED)
    if terms and fulfilled == terms:
        return PerformanceStatus.FULFILLED, fulfilled, terms
    if PerformanceStatus.BREACHED in statuses:
        return PerformanceStatus.BREACHED, fulfilled, terms
    if PerformanceStatus.PARTLY in statuses or fulfilled:
        return PerformanceStatus.PARTLY, fulfilled, terms
    return PerformanceStatus.PENDING, fulfilled, terms
