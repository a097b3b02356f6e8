"""Which goods get priority handling (the fastest queue when controlled, green unless the score is very high):
the economy's essential-goods list, and APEC's environmental goods where the administration's lane policy
switches that facilitation on (`environmental_goods_priority`). A consignment qualifies when every goods item
is on the lists (one listed item among others does not make the consignment a priority)."""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy.orm import Session

from clearway.green import service as green
from clearway.risk import essential_goods, service as risk
from clearway.risk.essential import is_essential
from clearway.risk.schemas import PolicyIn


@dataclass(frozen=True)
class PriorityGoods:
    essential: frozenset[str]
    environmental: frozenset[str]  # empty unless the policy gives environmental goods priority

    @property
    def all(self) -> frozenset[str]:
        return self.essential | self.environmental

    def basis(self, hs_codes: list[str | None]) -> str | None:
        """Why these goods get priority, or None."""
        if is_essential(hs_codes, self.essential):
            return "essential goods"
        if self.environmental and is_essential(hs_codes, self.all):
            return "environmental goods (lane policy)"
        return None


def priority_goods(session: Session, *, economy: str, policy: PolicyIn | None = None) -> PriorityGoods:
    """The goods given priority in `economy`, under its lane `policy` (read here when not given)."""
    pol = policy or risk.policy(session, economy=economy)[0]
    environmental = green.listed(session) if pol.environmental_goods_priority else frozenset()
    return PriorityGoods(essential_goods.essential_set(session, economy=economy), environmental)
