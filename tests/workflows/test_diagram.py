"""One stage's state diagram (workflows.diagram): the path it took and where it is now, for every kind of stage."""
import re

import pytest

from workflows.diagram import ordinal_marker
from workflows.diagram import possible_triggers
from workflows.diagram import stage_mermaid
from workflows.diagram import stage_path
from workflows.enums import Level
from workflows.enums import StageKind
from workflows.machine import TRIGGERS
from workflows.states import State


def _edges(text):
    """(from, to, label) of every arrow between two states ('' when it has no words)."""
    return {tuple(match) for match in re.findall(r'^\s+(\w+) --> (\w+)(?:: (.*))?$', text, re.M)}


def _classes(text):
    return {name: set(states.split(',')) for states, name in re.findall(r'^\s+class ([\w,]+) (\w+)$', text, re.M)}


def test_the_path_leaves_out_internal_transitions_and_numbers_the_changes():
    path = stage_path([('accept', 'pending_acceptance', 'mediating', 'at-1'), ('extend', 'mediating', 'mediating'),
                       ('created', None, None), ('pause', 'mediating', 'paused'),
                       ('resume', 'paused', 'mediating', 'at-4'), ('register_oral_agreement', 'mediating', 'agreed')])
    assert [(step.ordinal, step.trigger, step.to_state) for step in path] == [
        (1, 'accept', State.MEDIATING), (2, 'pause', State.PAUSED), (3, 'resume', State.MEDIATING),
        (4, 'register_oral_agreement', State.AGREED)]
    assert path[0].extra == 'at-1' and path[2].extra == 'at-4' and path[1].extra is None
    assert [step.marker for step in path] == ['①', '②', '③', '④']
    assert path[0].label() == '受理' and path[0].label(english=True) == 'Accept'
    assert ordinal_marker(20) == '⑳' and ordinal_marker(21) == '(21)'


def test_the_diagram_highlights_the_current_state_and_the_states_passed():
    path = stage_path([('accept', 'pending_acceptance', 'mediating'), ('pause', 'mediating', 'paused'),
                       ('resume', 'paused', 'mediating'), ('register_oral_agreement', 'mediating', 'agreed')])
    text = stage_mermaid(Level.VILLAGE, StageKind.PEOPLE, State.AGREED, path)
    assert text.startswith('stateDiagram-v2\n')
    assert 'classDef visited' in text and 'classDef current' in text
    classes = _classes(text)
    assert classes['current'] == {'agreed'}
    assert classes['visited'] == {'pending_acceptance', 'mediating', 'paused'}
    edges = _edges(text)
    assert ('pending_acceptance', 'mediating', '① 受理') in edges
    assert ('mediating', 'paused', '② 中止调解') in edges and ('paused', 'mediating', '③ 恢复调解') in edges
    assert ('mediating', 'agreed', '④ 登记口头协议') in edges
    assert ('mediating', 'agreement_pending', '') in edges  # not taken, and the only way in: no words
    assert ('agreement_pending', 'agreed', '协议生效') in edges  # not taken, one of two ways in: named
    assert ('mediating', 'withdrawn', '') in edges and ('paused', 'withdrawn', '') in edges
    assert 'state "已达成协议" as agreed' in text and '[*] --> pending_acceptance' in text


def test_a_transition_taken_twice_carries_both_numbers():
    path = stage_path([('accept', 'pending_acceptance', 'mediating'), ('pause', 'mediating', 'paused'),
                       ('resume', 'paused', 'mediating'), ('pause', 'mediating', 'paused')])
    edges = _edges(stage_mermaid(Level.TOWN, StageKind.PEOPLE, State.PAUSED, path))
    assert ('mediating', 'paused', '②④ 中止调解') in edges


@pytest.mark.parametrize('level', [Level.VILLAGE, Level.TOWN, Level.DISTRICT, Level.COURT])
@pytest.mark.parametrize('kind', list(StageKind))
def test_every_stage_gets_a_diagram_of_what_it_can_do(level, kind):
    text = stage_mermaid(level, kind, State.PENDING_ACCEPTANCE, [])
    edges = _edges(text)
    assert _classes(text) == {'current': {'pending_acceptance'}}
    drawn = set(re.findall(r'as (\w+)$', text, re.M))
    assert drawn == {state for edge in edges for state in edge[:2]} | {'pending_acceptance'}
    assert ('returned_to_court' in drawn) == kind.court_sent  # only a court-sent case goes back to the court
    # nothing goes above the district; the court's own stages are never referred up
    assert ('referred_up' in drawn) == (level.parent is not None and not kind.at_court and not kind.court_sent)
    assert ('court_received' in drawn) == (kind == StageKind.COURT)  # the court's steps on the court's stage only
    assert ('jc_reviewing' in drawn) == (kind == StageKind.JUDICIAL_CONFIRMATION)
    assert all(TRIGGERS[name].dest is not None for name in possible_triggers(level, kind))
    assert not any(source == dest for source, dest, _ in edges)  # internal transitions draw no arrow


def test_english_labels():
    path = stage_path([('accept', 'pending_acceptance', 'mediating')])
    text = stage_mermaid(Level.VILLAGE, StageKind.PEOPLE, State.MEDIATING, path, english=True)
    assert 'state "Mediating" as mediating' in text
    assert ('pending_acceptance', 'mediating', '① Accept') in _edges(text)


def test_a_step_the_rules_no_longer_offer_is_still_drawn():
    # a district stage cannot refer up; an old record that says it did is drawn all the same
    path = stage_path([('accept', 'pending_acceptance', 'mediating'), ('refer_up', 'mediating', 'referred_up')])
    text = stage_mermaid(Level.DISTRICT, StageKind.PEOPLE, State.REFERRED_UP, path)
    assert ('mediating', 'referred_up', '② 移交上级调解') in _edges(text)
    assert _classes(text)['current'] == {'referred_up'}
