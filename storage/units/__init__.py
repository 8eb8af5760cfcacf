"""Police units, the communes they cover, their officers and invites."""
