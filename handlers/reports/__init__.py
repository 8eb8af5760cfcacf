"""Reports in chat: ``/stats`` in a unit's group and, with a choice of area, in private."""
