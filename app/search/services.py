"""Quick search: one box for a phone number, a name or a room as staff say it (3-2-501)."""
from __future__ import annotations

from dataclasses import dataclass, field

from app.estate import services as estate_services
from app.owners import services as owner_services


LIMIT = 50


@dataclass
class SearchResult:
    units: list = field(default_factory=list)
    owners: list = field(default_factory=list)
    more: bool = False  # there were more hits than shown

    @property
    def only(self):
        """The single hit, when there is exactly one: the page opens it directly."""
        hits = self.units + self.owners
        return hits[0] if len(hits) == 1 else None


def quick_search(estate_ids: list[int], text: str) -> SearchResult:
    text = (text or "").strip()
    if not text:
        return SearchResult()
    units = estate_services.find_unit_by_code(estate_ids, text)
    if units:
        return SearchResult(units=units)
    units = estate_services.units_of_entrance(estate_ids, text, LIMIT + 1)
    if units:
        return SearchResult(units=units[:LIMIT], more=len(units) > LIMIT)
    owners = owner_services.search_owners(estate_ids, text, limit=LIMIT + 1)
    return SearchResult(owners=owners[:LIMIT], more=len(owners) > LIMIT)
