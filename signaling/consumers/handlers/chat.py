"""chat.send, chat.sync and chat.delete."""
from __future__ import annotations

from convenings.permissions import Action
from rooms import snapshots
from rooms.actions import chat
from signaling.consumers.connection import Connection
from signaling.consumers.handlers import db, handles, space_for
from signaling.protocol.plenary import ChatDelete, ChatHistory, ChatSend, ChatSync


@handles(ChatSend, requires=Action.CHAT, what="chat")
async def send(conn: Connection, message: ChatSend) -> None:
    space = await space_for(conn, message.space, message.id)
    await db(chat.post)(conn.convening_id, space, conn.person, message.text)


@handles(ChatSync, requires=Action.CHAT, what="read the chat")
async def sync(conn: Connection, message: ChatSync) -> None:
    space = await space_for(conn, message.space, message.id)
    # A long catch-up is sent page by page in the background, so this connection
    # keeps handling messages meanwhile; closing the socket cancels it.
    conn.tasks.spawn(_send_pages(conn, space, message), name=f"chat.sync {conn.channel_name}")


async def _send_pages(conn: Connection, space: str, message: ChatSync) -> None:
    after, page_size = message.after_seq, conn.limits.chat_sync_page
    while True:
        entries, has_more = await db(snapshots.chat_after)(conn.convening_id, space, after, page_size)
        await conn.reply(ChatHistory(space=space, after_seq=after, messages=entries, has_more=has_more,
                                     ref=message.id))
        if not has_more:
            return
        after = entries[-1].seq


@handles(ChatDelete, requires=Action.DELETE_CHAT, what="delete chat messages")
async def delete(conn: Connection, message: ChatDelete) -> None:
    space = await space_for(conn, message.space, message.id)
    await db(chat.delete)(conn.convening_id, space, message.seq, conn.person)
