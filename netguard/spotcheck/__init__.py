"""Spot checks for inspectors: reproducible samples, on-the-spot inspection, the signed record."""
