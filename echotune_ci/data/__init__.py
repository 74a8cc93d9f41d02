"""Versioned data taken from elsewhere (Lighthouse weights, curves and axe rule switches)."""
