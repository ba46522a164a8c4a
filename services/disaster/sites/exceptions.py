from shared.errors import Conflict


class SiteClosed(Conflict):
    problem = "site-closed"
    title = "The evacuation site is closed"


class SiteNotEmpty(Conflict):
    problem = "site-not-empty"
    title = "People are still checked in at the site"


class AlreadyCheckedIn(Conflict):
    problem = "already-checked-in"
    title = "The victim is already checked in at a site"


class NotCheckedIn(Conflict):
    problem = "not-checked-in"
    title = "The victim is not checked in at this site"


class VictimGone(Conflict):
    problem = "victim-not-present"
    title = "A dead or missing victim cannot be checked in"
