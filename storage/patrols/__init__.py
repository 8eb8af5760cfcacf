"""Patrol teams, members, checkpoints, shifts and their events."""
