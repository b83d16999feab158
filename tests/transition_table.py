"""The dispute state machine's transitions written out by hand, independently of ``workflows.machine.TRIGGERS``.

Both the machine's own tests and the transition service's tests check the code against it.
"""
from workflows.enums import StageKind
from workflows.states import State

S = State

#: The transition table written out independently of TRIGGERS: {state: {trigger: destination}}.
#: None means an internal transition (state unchanged).
TRANSITION_TABLE = {
    S.PENDING_ACCEPTANCE: {'accept': S.MEDIATING, 'decline': S.DECLINED, 'withdraw': S.WITHDRAWN},
    S.MEDIATING: {
        'pause': S.PAUSED, 'extend': None, 'draft_agreement': S.AGREEMENT_PENDING,
        'register_oral_agreement': S.AGREED, 'record_failure': S.FAILED, 'refer_up': S.REFERRED_UP,
        'refer_to_court': S.WITH_COURT, 'return_to_court': S.RETURNED_TO_COURT, 'withdraw': S.WITHDRAWN,
        'terminate': S.TERMINATED, 'flag_for_decision': None,
    },
    S.PAUSED: {
        'resume': S.MEDIATING, 'return_to_court': S.RETURNED_TO_COURT, 'withdraw': S.WITHDRAWN,
        'terminate': S.TERMINATED,
    },
    S.AGREEMENT_PENDING: {
        'reopen_drafting': S.MEDIATING, 'sign_agreement': S.AGREED, 'return_to_court': S.RETURNED_TO_COURT,
        'withdraw': S.WITHDRAWN, 'terminate': S.TERMINATED,
    },
    S.FAILED: {
        'refer_up': S.REFERRED_UP, 'refer_to_court': S.WITH_COURT, 'return_to_court': S.RETURNED_TO_COURT,
        'withdraw': S.WITHDRAWN, 'terminate': S.TERMINATED, 'flag_for_decision': None,
    },
    S.AGREED: {
        'apply_judicial_confirmation': None, 'close': S.CLOSED,
    },
    S.DECLINED: {'close': S.CLOSED},
    S.REFERRED_UP: {'close': S.CLOSED},
    S.WITH_COURT: {'close': S.CLOSED},
    S.RETURNED_TO_COURT: {'close': S.CLOSED},
    S.WITHDRAWN: {'close': S.CLOSED},
    S.TERMINATED: {'close': S.CLOSED},
    S.CLOSED: {},
    # the court's states are never a committee stage's
    **{state: {} for state in (S.COURT_RECEIVED, S.COURT_REGISTERED, S.SENT_DOWN, S.COURT_RETURNED, S.CASE_FILED,
                               S.IN_TRIAL, S.AGREEMENT_FILED, S.JC_REVIEWING, S.JC_CONFIRMED, S.JC_REJECTED)},
}

_NOT_HERE = {state: {} for state in S}

#: The court's stage (docs/court.md): receive, register, send down or file, the result back, file it.
COURT_TABLE = {
    **_NOT_HERE,
    S.PENDING_ACCEPTANCE: {'decline': S.DECLINED, 'withdraw': S.WITHDRAWN, 'court_receive': S.COURT_RECEIVED},
    S.COURT_RECEIVED: {'withdraw': S.WITHDRAWN, 'court_register': S.COURT_REGISTERED},
    S.COURT_REGISTERED: {'withdraw': S.WITHDRAWN, 'send_down': S.SENT_DOWN, 'file_case': S.CASE_FILED,
                         'transfer_to_trial': S.IN_TRIAL},
    S.SENT_DOWN: {'receive_result': S.COURT_RETURNED},
    S.COURT_RETURNED: {'withdraw': S.WITHDRAWN, 'file_agreement': S.AGREEMENT_FILED, 'file_case': S.CASE_FILED,
                       'transfer_to_trial': S.IN_TRIAL},
    S.CASE_FILED: {'close': S.CLOSED},
    S.IN_TRIAL: {'close': S.CLOSED},
    S.AGREEMENT_FILED: {'close': S.CLOSED},
    S.DECLINED: {'close': S.CLOSED},
    S.WITHDRAWN: {'close': S.CLOSED},
}

#: A judicial confirmation at the court (JC11 Arts 4-5).
CONFIRMATION_TABLE = {
    **_NOT_HERE,
    S.PENDING_ACCEPTANCE: {'decline': S.DECLINED, 'withdraw': S.WITHDRAWN, 'jc_accept': S.JC_REVIEWING},
    S.JC_REVIEWING: {'withdraw': S.WITHDRAWN, 'jc_extend': None, 'jc_confirm': S.JC_CONFIRMED,
                     'jc_reject': S.JC_REJECTED},
    S.JC_CONFIRMED: {'close': S.CLOSED},
    S.JC_REJECTED: {'close': S.CLOSED},
    S.DECLINED: {'close': S.CLOSED},
    S.WITHDRAWN: {'close': S.CLOSED},
}

#: Each kind of stage with its table.
TABLES = {
    StageKind.PEOPLE: TRANSITION_TABLE,
    StageKind.COURT_DELEGATED: TRANSITION_TABLE,
    StageKind.COURT: COURT_TABLE,
    StageKind.JUDICIAL_CONFIRMATION: CONFIRMATION_TABLE,
}
