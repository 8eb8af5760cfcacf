"""Subscribers, campaigns, their runs and per-recipient deliveries."""
