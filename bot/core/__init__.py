"""The shared kernel every capability uses: settings, clock, keyring, logs, catalogs, geometry,
short codes and Telegram's text limits. It imports nothing from the domain, storage or Telegram."""
