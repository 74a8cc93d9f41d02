"""The frontend phase: web vitals, Lighthouse-comparable scores and accessibility in Chromium."""
