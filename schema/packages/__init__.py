"""Packages: the catalogue, promo codes, student packages, credits and accounts."""
