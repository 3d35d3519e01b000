"""Shapes used inside messages of several families: a person, a roster entry, a chat entry."""
from __future__ import annotations

import datetime as dt

from pydantic import BaseModel, Field


class Person(BaseModel):
    participant_id: int
    name: str


class Identity(Person):
    school: str | None
    job_role: str
    role: str = Field(description="convening role: organizer, moderator, presenter or participant")
    permissions: list[str]


class RosterEntry(Person):
    school: str | None
    job_role: str
    role: str
    space: str = Field(description='"plenary" or a breakout room key')
    hand_raised: bool
    camera: bool
    mic: bool
    connections: int = Field(description="open tabs/devices of this person")


class HandEntry(Person):
    raised_at: dt.datetime


class ChatEntry(BaseModel):
    space: str
    seq: int
    author: Person | None
    text: str
    at: dt.datetime
    deleted: bool = False


class ConveningRef(BaseModel):
    slug: str
    title: str
