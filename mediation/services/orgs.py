"""The organisation tree: districts, towns, villages (each a mediation committee) and courts."""
from typing import Iterable
from typing import Optional

import sqlalchemy as sa

from mediation.errors import ValidationFailed
from mediation.extensions import db
from mediation.models import Organisation
from workflows.enums import OrgKind

#: Which kind of node each kind hangs under (courts stand beside the tree, linked to districts).
PARENT_KIND = {OrgKind.DISTRICT: None, OrgKind.TOWN: OrgKind.DISTRICT, OrgKind.VILLAGE: OrgKind.TOWN,
               OrgKind.COURT: None}

COMMITTEE_SUFFIX = '人民调解委员会'


def create_organisation(*, kind, name: str, short_name: str, code: str, parent: Optional[Organisation] = None,
                        committee_name: str = '', served_districts: Iterable[Organisation] = ()) -> Organisation:
    kind = OrgKind(kind)
    org = Organisation(kind=kind, path='')
    _apply(org, name=name, short_name=short_name, code=code, parent=parent, committee_name=committee_name,
           served_districts=served_districts)
    db.session.add(org)
    db.session.flush()
    org.path = _path_of(org)
    db.session.flush()
    return org


def update_organisation(org: Organisation, *, name: str, short_name: str, code: str,
                        parent: Optional[Organisation] = None, committee_name: str = '',
                        served_districts: Iterable[Organisation] = (), active: bool = True) -> Organisation:
    old_path = org.path
    _apply(org, name=name, short_name=short_name, code=code, parent=parent, committee_name=committee_name,
           served_districts=served_districts)
    org.active = active
    db.session.flush()
    new_path = _path_of(org)
    if new_path != old_path:
        # Move the whole subtree: every descendant's path starts with the old prefix.
        db.session.execute(sa.update(Organisation)
                           .where(Organisation.path.startswith(old_path, autoescape=True))
                           .values(path=sa.func.replace(Organisation.path, old_path, new_path))
                           .execution_options(synchronize_session='fetch'))
    db.session.flush()
    return org


def _apply(org, *, name, short_name, code, parent, committee_name, served_districts):
    name, short_name, code = (name or '').strip(), (short_name or '').strip(), (code or '').strip()
    if not name:
        raise ValidationFailed('请填写名称。', field='name')
    if not short_name:
        raise ValidationFailed('请填写简称（用于案号）。', field='short_name')
    if not code:
        raise ValidationFailed('请填写编码。', field='code')
    clash = db.session.scalar(sa.select(Organisation.id).where(Organisation.code == code, Organisation.id != org.id))
    if clash:
        raise ValidationFailed(f'编码“{code}”已被使用。', field='code')
    expected_parent = PARENT_KIND[org.kind]
    if expected_parent is None and parent is not None:
        raise ValidationFailed(f'{org.kind.label_zh}级单位不能有上级。', field='parent_id')
    if expected_parent is not None and (parent is None or parent.kind != expected_parent):
        raise ValidationFailed(f'{org.kind.label_zh}级单位的上级必须是{expected_parent.label_zh}级单位。',
                               field='parent_id')
    if parent is not None and org.id is not None and parent.path.startswith(org.path or '\0'):
        raise ValidationFailed('不能把单位移到它自己的下级之下。', field='parent_id')
    org.name, org.short_name, org.code, org.parent = name, short_name, code, parent
    default_name = name if org.kind == OrgKind.COURT else name + COMMITTEE_SUFFIX
    org.committee_name = (committee_name or '').strip() or default_name
    districts = list(served_districts)
    if org.kind != OrgKind.COURT and districts:
        raise ValidationFailed('只有法院可以设置对接的区（县）。', field='served_districts')
    if any(d.kind != OrgKind.DISTRICT for d in districts):
        raise ValidationFailed('法院只能对接区（县）级单位。', field='served_districts')
    org.served_districts = districts


def _path_of(org: Organisation) -> str:
    return (org.parent.path if org.parent else '/') + f'{org.id}/'


def organisation_tree():
    """Every organisation in tree order (parents before children), courts last."""
    return db.session.scalars(sa.select(Organisation).order_by(
        Organisation.kind == OrgKind.COURT, Organisation.path)).all()


def get_organisations(ids: Iterable[int]) -> list[Organisation]:
    """The organisations with these ids, in code order (unknown ids are left out)."""
    ids = list(ids)
    if not ids:
        return []
    return list(db.session.scalars(sa.select(Organisation).where(Organisation.id.in_(ids))
                                   .order_by(Organisation.code)))


def organisations_of_kind(*kinds, include: Optional[Organisation] = None, active_only: bool = False):
    """Organisations of the given kinds in tree order; ``include`` is kept even when inactive."""
    query = sa.select(Organisation).where(Organisation.kind.in_([OrgKind(k) for k in kinds]))
    if active_only:
        condition = Organisation.active.is_(True)
        if include is not None:
            condition = sa.or_(condition, Organisation.id == include.id)
        query = query.where(condition)
    return list(db.session.scalars(query.order_by(Organisation.path)))


def tree_rows() -> tuple[list[tuple[Organisation, int]], list[Organisation]]:
    """The committee tree as ``(organisation, depth)`` rows in display order (siblings by code),
    and the courts (with their served districts) listed separately."""
    everything = organisation_tree()
    children: dict[Optional[int], list[Organisation]] = {}
    courts = []
    for org in everything:
        if org.kind == OrgKind.COURT:
            courts.append(org)
        else:
            children.setdefault(org.parent_id, []).append(org)
    for siblings in children.values():
        siblings.sort(key=lambda o: o.code)
    rows: list[tuple[Organisation, int]] = []
    stack = [(org, 0) for org in reversed(children.get(None, []))]
    while stack:
        org, depth = stack.pop()
        rows.append((org, depth))
        stack.extend((child, depth + 1) for child in reversed(children.get(org.id, [])))
    courts.sort(key=lambda o: o.code)
    return rows, courts
