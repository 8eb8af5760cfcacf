"""Dialog state: which step of which flow a chat is at, and its draft, kept in the database so
a restart (or another worker) resumes the conversation where it was."""

from __future__ import annotations

import json
from datetime import datetime
from typing import Any

from sqlalchemy import delete
from sqlalchemy.ext.asyncio import AsyncSession
from sqlmodel import col

from storage.models import Dialog


class DialogRepository:
    def __init__(self, session: AsyncSession) -> None:
        self._session = session

    async def get(self, lane: str) -> Dialog | None:
        return await self._session.get(Dialog, lane)

    async def save(
        self, lane: str, flow: str, step: str, data: dict[str, Any], now: datetime
    ) -> None:
        dialog = await self.get(lane)
        encoded = json.dumps(data, ensure_ascii=False)
        if dialog is None:
            self._session.add(Dialog(lane=lane, flow=flow, step=step, data=encoded, updated_at=now))
        else:
            dialog.flow, dialog.step, dialog.data, dialog.updated_at = flow, step, encoded, now
        await self._session.flush()

    async def end(self, lane: str) -> None:
        await self._session.execute(delete(Dialog).where(col(Dialog.lane) == lane))


def draft_of(dialog: Dialog) -> dict[str, Any]:
    return dict(json.loads(dialog.data))
