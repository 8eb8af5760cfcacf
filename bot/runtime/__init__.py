"""The durable message path: inbox → handlers → outbox → Telegram."""
