"""The states a stage can be in (design.md §4) and the groups other rules ask about."""
import enum


class State(str, enum.Enum):
    """A stage's state. The value is what the ``stages.state`` column stores."""

    PENDING_ACCEPTANCE = 'pending_acceptance'
    DECLINED = 'declined'
    MEDIATING = 'mediating'
    PAUSED = 'paused'
    AGREEMENT_PENDING = 'agreement_pending'
    AGREED = 'agreed'
    FAILED = 'failed'
    REFERRED_UP = 'referred_up'
    WITH_COURT = 'with_court'
    RETURNED_TO_COURT = 'returned_to_court'
    WITHDRAWN = 'withdrawn'
    TERMINATED = 'terminated'
    CLOSED = 'closed'

    @property
    def label_zh(self):
        return _LABELS[self][0]

    @property
    def label_en(self):
        return _LABELS[self][1]


_LABELS = {
    State.PENDING_ACCEPTANCE: ('待受理', 'Pending acceptance'),
    State.DECLINED: ('不予受理', 'Declined'),
    State.MEDIATING: ('调解中', 'Mediating'),
    State.PAUSED: ('中止', 'Paused'),
    State.AGREEMENT_PENDING: ('协议待签', 'Agreement awaiting signatures'),
    State.AGREED: ('已达成协议', 'Agreed'),
    State.FAILED: ('调解不成', 'Mediation failed'),
    State.REFERRED_UP: ('已移交上级', 'Referred to the parent committee'),
    State.WITH_COURT: ('已移送法院', 'Referred to the court'),
    State.RETURNED_TO_COURT: ('已退回法院', 'Returned to the court'),
    State.WITHDRAWN: ('撤回', 'Withdrawn'),
    State.TERMINATED: ('终止调解', 'Terminated'),
    State.CLOSED: ('已结案', 'Closed'),
}

#: The stage still needs work from its handler. ``failed`` is open: someone must still decide
#: between referring up, referring to court and terminating (domain.md §2.2).
OPEN_STATES = frozenset({
    State.PENDING_ACCEPTANCE,
    State.MEDIATING,
    State.PAUSED,
    State.AGREEMENT_PENDING,
    State.FAILED,
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
