"""Patrols in chat: a member's /patrol menu and shift, a leader's invites and checkpoints."""
