"""The organisation tree: district → town → village committees, and courts."""
from typing import Optional

import sqlalchemy.orm as so

from mediation import schema
from mediation.models.base import Base
from workflows.enums import Level

#: Which districts a court serves (a basic-level court usually serves one).
court_district = schema.court_district


class Organisation(Base):
    """One node of the tree; a district, town or village node is also its mediation committee."""

    __table__ = schema.organisation

    parent: so.Mapped[Optional['Organisation']] = so.relationship(
        remote_side=[schema.organisation.c.id], back_populates='children')
    children: so.Mapped[list['Organisation']] = so.relationship(back_populates='parent', order_by='Organisation.code')
    served_districts: so.Mapped[list['Organisation']] = so.relationship(
        secondary=court_district, primaryjoin=schema.organisation.c.id == court_district.c.court_id,
        secondaryjoin=schema.organisation.c.id == court_district.c.district_id, order_by='Organisation.code')

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
