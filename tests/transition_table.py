"""The dispute state machine's transitions written out by hand, independently of ``workflows.machine.TRIGGERS``.

Both the machine's own tests and the transition service's tests check the code against it.
"""
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
        'apply_judicial_confirmation': None, 'record_judicial_confirmation': None, 'close': S.CLOSED,
    },
    S.DECLINED: {'close': S.CLOSED},
    S.REFERRED_UP: {'close': S.CLOSED},
    S.WITH_COURT: {'close': S.CLOSED},
    S.RETURNED_TO_COURT: {'close': S.CLOSED},
    S.WITHDRAWN: {'close': S.CLOSED},
    S.TERMINATED: {'close': S.CLOSED},
    S.CLOSED: {},
}
