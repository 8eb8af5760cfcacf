"""Campaigns in chat: the guided /campaign, /campaigns and its controls, /subscribe."""
