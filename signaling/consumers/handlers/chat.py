"""chat.send, chat.sync and chat.delete."""
from __future__ import annotations

import json

from convenings.permissions import Action
from rooms import snapshots
from rooms.actions import chat
from signaling.consumers.connection import Connection
from signaling.consumers.handlers import db, handles, space_for
from signaling.protocol.plenary import ChatDelete, ChatHistory, ChatSend, ChatSync
from signaling.protocol.shapes import ChatEntry


@handles(ChatSend, requires=Action.CHAT, what="chat")
async def send(conn: Connection, message: ChatSend) -> None:
    space = await space_for(conn, message.space, message.id)
    await db(chat.post)(conn.convening_id, space, conn.person, message.text, message.client_id)


@handles(ChatSync, requires=Action.CHAT, what="read the chat")
async def sync(conn: Connection, message: ChatSync) -> None:
    space = await space_for(conn, message.space, message.id)
    # A long catch-up is sent page by page in the background, so this connection
    # keeps handling messages meanwhile; closing the socket cancels it. One catch-up per
    # space at a time: a newer chat.sync (a browser that reconnected again meanwhile) replaces
    # the older, so repeated requests never stream the history twice over. This side pages: one
    # request gets every page (``has_more`` says another follows); browsers never ask for the next.
    conn.tasks.spawn(_send_pages(conn, space, message), name=f"chat.sync {space} {conn.channel_name}",
                     replacing=True)


# One page's chat text in bytes of JSON, at most (and at least one message): 500 messages of
# 2,000 four-byte characters would be a 4 MB frame, more than a slow reader may have queued.
PAGE_BYTES = 256 * 1024
ENTRY_BYTES = 160  # a message's JSON besides its text: seq, author, time, flags


def fitting(entries: list[ChatEntry], max_bytes: int = PAGE_BYTES) -> list[ChatEntry]:
    """The first ``entries`` whose JSON adds up to at most ``max_bytes`` (always at least one)."""
    total = 0
    for count, entry in enumerate(entries):
        total += len(json.dumps(entry.text, ensure_ascii=False).encode("utf-8")) + ENTRY_BYTES
        if total > max_bytes and count > 0:
            return entries[:count]
    return entries


async def _send_pages(conn: Connection, space: str, message: ChatSync) -> None:
    """One page (a query by seq with LIMIT) at a time, each only once what is queued for this
    client has gone out: a catch-up waiting for a slow reader holds no page in memory."""
    after, page_size = message.after_seq, conn.limits.chat_sync_page
    while True:
        await conn.drained()
        entries, has_more = await db(snapshots.chat_after)(conn.convening_id, space, after, page_size)
        page = fitting(entries)
        has_more = has_more or len(page) < len(entries)
        await conn.reply(ChatHistory(space=space, after_seq=after, messages=page, has_more=has_more,
                                     ref=message.id))
        if not has_more:
            return
        after = page[-1].seq


@handles(ChatDelete, requires=Action.DELETE_CHAT, what="delete chat messages")
async def delete(conn: Connection, message: ChatDelete) -> None:
    space = await space_for(conn, message.space, message.id)
    await db(chat.delete)(conn.convening_id, space, message.seq, conn.person)
