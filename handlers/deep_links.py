"""``/start <payload>``: a deep link from a poster's or a checkpoint's QR code.

A payload that is forged, truncated or names nothing we know is not this module's business:
``opened`` says False and the person gets the ordinary greeting, with no error text, so a
scanner learns nothing from guessing. Rights are looked up again here: a checkpoint's code is
proof only together with a member's open shift in its team and a location within its radius.
"""

from __future__ import annotations

import html

from telegram import Update

from bot.core.i18n import t
from bot.domain.deep_links import LinkKind, parse_payload
from bot.domain.patrols.teams import current_location
from bot.runtime.context import TinbaoContext
from handlers.campaigns import subscription
from handlers.flows import Flow, PatrolStep
from handlers.patrols import keyboards as pkb
from handlers.patrols.member import do_check_in, max_age
from handlers.tips import form as tip_form


async def opened(update: Update, context: TinbaoContext, language: str, payload: str) -> bool:
    """Open what ``payload`` links to; False when it links to nothing (greet as usual)."""
    chat = update.effective_chat
    if chat is None or chat.type != "private":
        return False
    link = parse_payload(context.services.keyring, payload)
    if link is None:
        return False
    if link.kind == LinkKind.CHECKPOINT:
        return await check_in_at(update, context, language, int(link.target))
    commune = context.services.directory.get(link.target)
    if commune is None:
        return False
    if link.kind == LinkKind.TIP:
        await tip_form.begin_at(update, context, commune, language)
    else:
        await subscription.begin_at(update, context, commune, language)
    return True


async def check_in_at(
    update: Update, context: TinbaoContext, language: str, checkpoint_id: int
) -> bool:
    """A member of the checkpoint's team on shift checks in there: at once when their known
    position is current, else once they share a location. Anyone outside the team is greeted
    as usual (the code reveals nothing of the patrol)."""
    user, uow = update.effective_user, context.uow
    checkpoint = await uow.patrols.checkpoint(checkpoint_id)
    if user is None or checkpoint is None:
        return False
    member = await uow.patrols.member_in(checkpoint.team_id, user.id)
    if member is None or member.id is None:
        return False
    shift = await uow.patrols.open_shift(member.id)
    name = html.escape(checkpoint.name)
    if shift is None or shift.team_id != checkpoint.team_id:
        await context.reply(update, t("patrol.link_not_on_shift", language, checkpoint=name))
        return True
    where = current_location(shift, context.work.now, max_age(context))
    if where is not None:
        await do_check_in(update, context, language, shift, *where, checkpoint_id)
        return True
    data = {"checkpoint_id": checkpoint_id}
    await uow.dialogs.save(
        context.work.lane, Flow.PATROL, PatrolStep.CHECK_IN, data, context.work.now
    )
    await context.reply(
        update,
        t("patrol.link_ask_location", language, checkpoint=name),
        reply_markup=pkb.share_location(language),
    )
    return True
