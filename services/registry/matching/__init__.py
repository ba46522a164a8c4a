"""Identity matching: comparisons of two records field by field, a Fellegi–Sunter model whose m and u
probabilities are estimated by EM from the registry itself, blocking for scans, and the online match
(docs/matching.md)."""
