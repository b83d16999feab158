"""The state machine as Mermaid text: the whole machine for docs/state-machine.md, and one stage's
machine for the case page with the path that stage took and its current state highlighted.

``python -m workflows.diagram`` prints docs/state-machine.md, drawn from the machine's own definition.
"""
import dataclasses
from dataclasses import dataclass
from typing import Any
from typing import Iterable
from typing import Optional

from workflows.enums import Level
from workflows.enums import StageKind
from workflows.machine import HANDLER
from workflows.machine import TRIGGERS
from workflows.machine import WORKFLOW
from workflows.machine import TransitionContext
from workflows.states import State

#: Mermaid class names the page's stylesheet does not need to know: the styles are in the diagram.
VISITED_STYLE = 'fill:#e8f1fb,stroke:#1565c0,stroke-width:2px,color:#1f2933'
CURRENT_STYLE = 'fill:#b71c1c,stroke:#8e1515,stroke-width:3px,color:#ffffff,font-weight:bold'
_CIRCLED = '①②③④⑤⑥⑦⑧⑨⑩⑪⑫⑬⑭⑮⑯⑰⑱⑲⑳'


def document() -> str:
    return '\n'.join([
        '# The dispute state machine', '',
        'Generated from `workflows/machine.py` (`WORKFLOW.mermaid()`); `tests/test_docs.py` fails when it is',
        'out of date. Regenerate with `python -m workflows.diagram > docs/state-machine.md`.', '',
        '```mermaid', WORKFLOW.mermaid().rstrip(), '```', ''])


@dataclass(frozen=True)
class PathStep:
    """One change of state a stage went through: the n-th (from 1), by which trigger, from where to where."""

    ordinal: int
    trigger: str
    from_state: State
    to_state: State
    #: whatever the caller passed along with the transition (the page passes the event's time)
    extra: Any = None

    @property
    def marker(self) -> str:
        return ordinal_marker(self.ordinal)

    def label(self, english: bool = False) -> str:
        spec = TRIGGERS.get(self.trigger)
        if spec is None:
            return self.trigger
        return spec.label_en if english else spec.label_zh


def ordinal_marker(number: int) -> str:
    """①, ②, … ⑳, then (21), (22) …"""
    return _CIRCLED[number - 1] if 1 <= number <= len(_CIRCLED) else f'({number})'


def stage_path(transitions: Iterable[tuple]) -> list[PathStep]:
    """The changes of state among ``transitions``, oldest first: (trigger, from, to[, extra]) tuples, states
    as values or members. Internal transitions (no change of state) and entries without states are left out."""
    steps = []
    for entry in transitions:
        trigger, from_state, to_state = entry[:3]
        if not from_state or not to_state or from_state == to_state:
            continue
        steps.append(PathStep(len(steps) + 1, str(trigger), State(from_state), State(to_state),
                              entry[3] if len(entry) > 3 else None))
    return steps


def possible_triggers(level: Level, kind: StageKind) -> list[str]:
    """The state-changing triggers a stage of this level and kind can ever take: the guards that depend only
    on them (only court-sent cases go back to the court; nothing is referred above the district) decide;
    everything the users supply (consent, signatures, the agreement) is taken as given."""
    base = TransitionContext(actor=HANDLER, level=level, kind=kind, consent_recorded=True, all_parties_signed=True,
                             mediator_signed=True, sealed=True, wet_signatures_confirmed=True)
    possible = []
    for name, spec in TRIGGERS.items():
        if spec.dest is None or kind not in spec.kinds:
            continue
        if kind.at_court:  # the court's guards ask what came back and how it was sent: any may hold
            possible.append(name)
            continue
        contexts = (dataclasses.replace(base, actor=actor, agreement_kind=agreement)
                    for actor in spec.actors for agreement in ('written', 'oral'))
        if any(all(guard.test(ctx) for guard in spec.guards) for ctx in contexts):
            possible.append(name)
    return possible


def _text(label: str) -> str:
    """A label as Mermaid reads it inside quotes or after a colon."""
    return label.replace('"', '#quot;').replace(';', '#59;').replace('\n', ' ')


def stage_mermaid(level: Level, kind: StageKind, current: State, path: list[PathStep], *,
                  english: bool = False, start: Optional[State] = State.PENDING_ACCEPTANCE) -> str:
    """One stage's state machine as a Mermaid ``stateDiagram-v2``: every state change a stage of this level
    and kind can make, the states it passed through marked ``visited``, the state it is in marked
    ``current``, and each transition it took numbered in order on its arrow (①, ②, …)."""
    def label(state: State) -> str:
        return _text(state.label_en if english else state.label_zh)

    triggers = possible_triggers(level, kind)
    taken: dict[tuple[State, State, str], list[str]] = {}
    for step in path:
        taken.setdefault((step.from_state, step.to_state, step.trigger), []).append(step.marker)
    edges: dict[tuple[State, State, str], str] = {}
    for name in triggers:
        spec = TRIGGERS[name]
        for source in spec.sources:
            edges[(source, spec.dest, name)] = spec.label_en if english else spec.label_zh
    # Only what can be reached from where the stage started (a closed dossier of a case never sent by a
    # court was never "returned to the court").
    reachable = {start or current}
    while True:
        more = {dest for source, dest, _ in edges if source in reachable} - reachable
        if not more:
            break
        reachable |= more
    edges = {key: text for key, text in edges.items() if key[0] in reachable}
    for step in path:  # a path step the rules no longer offer is still drawn: it happened
        edges.setdefault((step.from_state, step.to_state, step.trigger), step.label(english))
    states = {state for source, dest, _ in edges for state in (source, dest)} | {current}
    if start is not None:
        states.add(start)
    visited = {start} if start is not None and path else set()
    visited |= {state for step in path for state in (step.from_state, step.to_state)}
    visited.discard(current)

    lines = ['stateDiagram-v2',
             f'    classDef visited {VISITED_STYLE}',
             f'    classDef current {CURRENT_STYLE}']
    lines += [f'    state "{label(state)}" as {state.value}' for state in State if state in states]
    if start is not None:
        lines.append(f'    [*] --> {start.value}')
    # An arrow not taken whose state is reached by one trigger only needs no words: "当事人撤回" into "撤回",
    # five times over, would only hide the arrows that matter.
    ways_in: dict[State, set[str]] = {}
    for _, dest, name in edges:
        ways_in.setdefault(dest, set()).add(name)
    for (source, dest, name), text in edges.items():
        markers = taken.get((source, dest, name))
        if markers:
            lines.append(f'    {source.value} --> {dest.value}: {_text("".join(markers) + " " + text)}')
        elif len(ways_in[dest]) > 1 or dest == source:
            lines.append(f'    {source.value} --> {dest.value}: {_text(text)}')
        else:
            lines.append(f'    {source.value} --> {dest.value}')
    if State.CLOSED in states:
        lines.append(f'    {State.CLOSED.value} --> [*]')
    if visited:
        lines.append('    class ' + ','.join(state.value for state in State if state in visited) + ' visited')
    lines.append(f'    class {current.value} current')
    return '\n'.join(lines) + '\n'


if __name__ == '__main__':
    print(document(), end='')
