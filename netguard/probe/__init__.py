"""Probes for 违规外联: tokens that tie an arrival on the internet side to one host of one audit,
the receiver that logs arrivals, and the reading and judging of its log."""
