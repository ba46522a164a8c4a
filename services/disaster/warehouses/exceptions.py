from shared.errors import Conflict


class InsufficientStock(Conflict):
    problem = "insufficient-stock"
    title = "Not enough stock"
