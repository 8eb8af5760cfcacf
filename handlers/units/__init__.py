"""Police units in chat: an officer joins with an invite, an administrator links a group."""
