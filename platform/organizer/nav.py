"""The organizer pages' nav: ours, then the other apps' organizer pages once they exist.

Other apps (registration, mail, certificates) add pages under /c/<slug>/organize/ by URL
name; a name that does not resolve yet is left out, so these pages work before theirs land.
"""
from __future__ import annotations

from dataclasses import dataclass

from django.urls import NoReverseMatch, reverse

# (URL name, label), in the order an organizer works through them.
PAGES: tuple[tuple[str, str], ...] = (
    ("organizer:home", "Agenda"),
    ("organizer:topics", "Topics"),
    ("organizer:speakers", "Speakers"),
    ("registration:organize_list", "Registrations"),
    ("mail:organize", "Email"),
    ("certificates:organize", "Certificates"),
)


@dataclass(frozen=True)
class NavLink:
    name: str
    label: str
    url: str


def resolve(name: str, slug: str) -> str | None:
    for kwargs, args in (({"slug": slug}, ()), ({}, (slug,))):
        try:
            return reverse(name, kwargs=kwargs or None, args=args or None)
        except NoReverseMatch:
            continue
    return None


def organizer_nav(slug: str) -> list[NavLink]:
    links = []
    for name, label in PAGES:
        url = resolve(name, slug)
        if url is not None:
            links.append(NavLink(name, label, url))
    return links
