from shared.errors import Conflict


class InsufficientStock(Conflict):
    problem = "insufficient-stock"
    title = "Not enough stock"


class ItemExists(Conflict):
    problem = "item-exists"
    title = "The item code is already in the catalogue"
