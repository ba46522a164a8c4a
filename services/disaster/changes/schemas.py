from services.disaster.sites.schemas import SiteRead
from services.disaster.victims.schemas import VictimRead
from services.disaster.warehouses.schemas import StockRead
from shared.changes import ChangesPage

# `entity` says which: victim, site (with its live headcount) or stock (a warehouse's balances).
DisasterRecord = VictimRead | SiteRead | StockRead
DisasterChanges = ChangesPage[DisasterRecord]
