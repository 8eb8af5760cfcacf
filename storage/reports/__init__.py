"""Reports: the reports people asked for in chat, waiting to be made."""
