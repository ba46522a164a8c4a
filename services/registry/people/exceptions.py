from shared.errors import Conflict


class DuplicateNik(Conflict):
    problem = "duplicate-nik"
    title = "A person with this NIK is already registered"
