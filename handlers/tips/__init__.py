"""Tips in chat: the resident's tip form and follow-up, the police card, queue and relay."""
