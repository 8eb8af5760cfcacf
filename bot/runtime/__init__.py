"""The durable message path: inbox → handlers → outbox → Telegram."""

import os
import warnings

from telegram.warnings import PTBUserWarning

# The outbox stores calls by Bot API method name and replays them through do_api_request;
# python-telegram-bot suggests its typed methods instead, one code path per method for no gain.
warnings.filterwarnings("ignore", message="Please use 'Bot", category=PTBUserWarning)

# Opt in to python-telegram-bot's coming behaviour: durations such as RetryAfter.retry_after
# are timedeltas (the sender handles both forms).
os.environ.setdefault("PTB_TIMEDELTA", "1")
