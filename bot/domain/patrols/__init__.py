"""Patrol teams: setting them up, shifts and check-ins, incidents, the watch over missed
check-ins and the daily summary."""
