"""Awareness campaigns (the modern loa truyền thanh): who may schedule what, the rules a
campaign's text and schedule must meet, and how each run reaches its subscribers."""
