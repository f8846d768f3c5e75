"""Fault injection: scenario files parsed into rules, each a match, a trigger and effects."""
