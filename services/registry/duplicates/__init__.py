"""Duplicates: scans of the registry for people registered twice, candidate pairs, an officer's
decision (merge or two people), audited and undoable (docs/matching.md)."""
