"""Tips: a resident's tip from intake to the police desk, the anonymous relay both ways, the
clocks that run on every tip, and what happens when Telegram refuses a message about one."""
