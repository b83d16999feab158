"""The organisation tree: district → town → village committees, and courts."""
from typing import Optional

import sqlalchemy as sa
import sqlalchemy.orm as so

from mediation.models.base import Base
from mediation.models.base import enum_type
from workflows.enums import Level
from workflows.enums import OrgKind

#: Which districts a court serves (a basic-level court usually serves one).
court_district = sa.Table(
    'court_district', Base.metadata,
    sa.Column('court_id', sa.ForeignKey('organisation.id', ondelete='CASCADE'), primary_key=True),
    sa.Column('district_id', sa.ForeignKey('organisation.id', ondelete='CASCADE'), primary_key=True),
)


class Organisation(Base):
    """One node of the tree; a district, town or village node is also its mediation committee."""

    __tablename__ = 'organisation'

    id: so.Mapped[int] = so.mapped_column(primary_key=True)
    kind: so.Mapped[OrgKind] = so.mapped_column(enum_type(OrgKind, 'org_kind'))
    #: Place name, e.g. 枫桥镇
    name: so.Mapped[str] = so.mapped_column(sa.String(100))
    #: Full committee name, e.g. 枫桥镇人民调解委员会 (for a court: its full name)
    committee_name: so.Mapped[str] = so.mapped_column(sa.String(150))
    #: Short name used in case numbers: （2026）枫桥人调字第N号
    short_name: so.Mapped[str] = so.mapped_column(sa.String(30))
    #: Administrative division code or any unique code the deployment chooses
    code: so.Mapped[str] = so.mapped_column(sa.String(32), unique=True)
    parent_id: so.Mapped[Optional[int]] = so.mapped_column(sa.ForeignKey('organisation.id'), index=True)
    #: Materialised path of ids, '/1/4/12/': a subtree is one indexed prefix match.
    path: so.Mapped[str] = so.mapped_column(sa.String(255), index=True, default='')
    active: so.Mapped[bool] = so.mapped_column(default=True)

    parent: so.Mapped[Optional['Organisation']] = so.relationship(remote_side=[id], back_populates='children')
    children: so.Mapped[list['Organisation']] = so.relationship(back_populates='parent', order_by='Organisation.code')
    served_districts: so.Mapped[list['Organisation']] = so.relationship(
        secondary=court_district, primaryjoin=id == court_district.c.court_id,
        secondaryjoin=id == court_district.c.district_id, order_by='Organisation.code')

    @property
    def level(self) -> Level:
        return self.kind.level

    def self_and_ancestors(self) -> list['Organisation']:
        """This node and those above it, nearest first (a village, its town, its district)."""
        chain, node = [], self
        while node is not None:
            chain.append(node)
            node = node.parent
        return chain

    def ancestor_at(self, level: Level) -> Optional['Organisation']:
        """This node or the one above it at ``level``, if any."""
        return next((node for node in self.self_and_ancestors() if node.level == level), None)

    def contains(self, other: 'Organisation') -> bool:
        """True when ``other`` is this node or lies below it."""
        return other.path.startswith(self.path)

    def __repr__(self):
        return f'<Organisation {self.id} {self.name}>'
