"""The states a stage can be in (design.md §4) and the groups other rules ask about."""
from workflows.enums import LabelledEnum


class State(LabelledEnum):
    """A stage's state. The value is what the ``stage.state`` column stores."""

    PENDING_ACCEPTANCE = 'pending_acceptance', '待受理', 'Pending acceptance'
    DECLINED = 'declined', '不予受理', 'Declined'
    MEDIATING = 'mediating', '调解中', 'Mediating'
    PAUSED = 'paused', '中止', 'Paused'
    AGREEMENT_PENDING = 'agreement_pending', '协议待签', 'Agreement awaiting signatures'
    AGREED = 'agreed', '已达成协议', 'Agreed'
    FAILED = 'failed', '调解不成', 'Mediation failed'
    REFERRED_UP = 'referred_up', '已移交上级', 'Referred to the parent committee'
    WITH_COURT = 'with_court', '已移送法院', 'Referred to the court'
    RETURNED_TO_COURT = 'returned_to_court', '已退回法院', 'Returned to the court'
    WITHDRAWN = 'withdrawn', '撤回', 'Withdrawn'
    TERMINATED = 'terminated', '终止调解', 'Terminated'
    CLOSED = 'closed', '已结案', 'Closed'
    # The court's own stages (docs/court.md): a court stage (诉调对接) and a judicial confirmation.
    COURT_RECEIVED = 'court_received', '已收案', 'Received by the court'
    COURT_REGISTERED = 'court_registered', '已登记', 'Registered by the court'
    SENT_DOWN = 'sent_down', '委派（委托）调解中', 'Sent down for mediation'
    COURT_RETURNED = 'court_returned', '调解结果已退回', 'Mediation result returned'
    CASE_FILED = 'case_filed', '已立案', 'Case filed'
    IN_TRIAL = 'in_trial', '已转入审判', 'Transferred to trial'
    AGREEMENT_FILED = 'agreement_filed', '调解协议已备案', 'Agreement filed with the court'
    JC_REVIEWING = 'jc_reviewing', '司法确认审查中', 'Confirmation under review'
    JC_CONFIRMED = 'jc_confirmed', '裁定确认有效', 'Agreement confirmed valid'
    JC_REJECTED = 'jc_rejected', '裁定驳回申请', 'Application rejected'


#: The stage still needs work from its handler. ``failed`` is open: someone must still decide
#: between referring up, referring to court and terminating (domain.md §2.2).
OPEN_STATES = frozenset({
    State.PENDING_ACCEPTANCE,
    State.MEDIATING,
    State.PAUSED,
    State.AGREEMENT_PENDING,
    State.FAILED,
    # the court's: received, registered, waiting for the committee's result, deciding on it
    State.COURT_RECEIVED,
    State.COURT_REGISTERED,
    State.SENT_DOWN,
    State.COURT_RETURNED,
    State.JC_REVIEWING,
})

#: The stage's work is over: it ended with an outcome, or its dossier is closed.
TERMINAL_STATES = frozenset(State) - OPEN_STATES

#: The outcome a stage ended with. Each can be closed once its dossier is complete: every stage
#: keeps its own dossier at its own committee (PML Art 27), including a stage that handed the
#: case on to the parent committee or to the court.
OUTCOME_STATES = TERMINAL_STATES - {State.CLOSED}

#: The mediation clock runs. It stops while paused and before acceptance (the acceptance clock
#: runs then). It keeps running in ``failed`` so an undecided failure still falls due and the
#: sweep brings it to a decision; it runs in ``agreement_pending`` because an unsigned draft is
#: not an agreement.
CLOCK_RUNNING = frozenset({State.MEDIATING, State.AGREEMENT_PENDING, State.FAILED})
