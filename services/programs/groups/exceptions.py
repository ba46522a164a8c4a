from shared.errors import Conflict


class HouseholdInAnotherKube(Conflict):
    problem = "household-in-another-kube"
    title = "A household is already a member of another active KUBE"


class KubeFull(Conflict):
    problem = "kube-full"
    title = "A KUBE has at most 20 member households"


class KubeTooSmall(Conflict):
    problem = "kube-too-small"
    title = "A KUBE needs at least 5 member households; dissolve it instead"


class KubeDissolved(Conflict):
    problem = "kube-dissolved"
    title = "The KUBE was dissolved"


class AidOverspent(Conflict):
    problem = "aid-overspent"
    title = "The reported uses would exceed the aid received"
