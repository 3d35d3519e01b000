"""Inviting a speaker, their presenter link, their page and the material upload rules."""
from __future__ import annotations

import io
import re
import zipfile

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from django.urls import reverse

from convenings.models import Material, Registration
from mail.models import OutboxMessage
from organizer import uploads
from tests.platform.organizer.conftest import World

PDF = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"
PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 32


def office(kind: str) -> bytes:
    part = {"pptx": "ppt/presentation.xml", "docx": "word/document.xml"}[kind]
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr("[Content_Types].xml", "<Types/>")
        archive.writestr(part, "<x/>")
    return buffer.getvalue()


def invite(world: World, **fields: object) -> tuple[object, str]:
    client = world.client_for("organizer")
    data = {"first_name": "Grace", "last_name": "Hopper", "email": "grace@example.org", "job_role": "district_leader",
            "sessions": [world.session.pk], **fields}
    response = client.post(reverse("organizer:speakers", args=[world.convening.slug]), data)
    link = re.search(r'class="join-link">(http[^<]+)<', response.content.decode())
    return response, link.group(1) if link else ""


def open_link(link: str) -> Client:
    """The speaker opens their link and presses Join (as in the browser)."""
    speaker = Client()
    path = link.split("testserver", 1)[1]
    page = speaker.get(path).content.decode()
    assert "(presenter)" in page  # the join page says whom it signs in as, and in which role
    assert speaker.post(path).status_code == 302
    return speaker


def test_inviting_a_speaker_creates_them_with_a_working_presenter_link(world: World) -> None:
    response, link = invite(world)
    assert response.status_code == 200 and link
    registration = Registration.objects.get(convening=world.convening, participant__user__email="grace@example.org")
    user = registration.participant.user
    assert registration.role == "presenter" and not user.has_usable_password()
    assert list(registration.participant.presenting.all()) == [world.session]
    email = OutboxMessage.objects.get(to="grace@example.org", kind="speaker_invitation")
    assert link in email.body and world.session.title in email.body and "/c/fall-regional/speaker/" in email.body
    speaker = open_link(link)
    page = speaker.get(reverse("organizer:speaker", args=[world.convening.slug])).content.decode()
    assert "Your sessions at Fall Regional Meeting" in page and world.session.title in page
    assert "Open the lobby to test" in page and reverse("live", args=[world.convening.slug]) in page
    # Listed for the organizer, and inviting again neither duplicates the person nor the email.
    listing = world.client_for("organizer").get(reverse("organizer:speakers", args=[world.convening.slug]))
    assert "Grace Hopper" in listing.content.decode()
    invite(world)
    assert Registration.objects.filter(participant__user__email="grace@example.org").count() == 1
    assert OutboxMessage.objects.filter(to="grace@example.org").count() == 1


def test_the_live_page_a_speakers_link_lands_on_links_to_their_speaker_page(world: World) -> None:
    _, link = invite(world)
    speaker = Client()
    path = link.split("testserver", 1)[1]
    landing = speaker.post(path, follow=True)  # Join: the link's POST goes on to the live page
    speaker_page = reverse("organizer:speaker", args=[world.convening.slug])
    assert landing.request["PATH_INFO"] == reverse("live", args=[world.convening.slug])
    assert f'href="{speaker_page}"' in landing.content.decode() and "Your speaker page" in landing.content.decode()
    others = world.client_for("participant").get(reverse("live", args=[world.convening.slug])).content.decode()
    assert "Your speaker page" not in others and speaker_page not in others


def test_a_speakers_link_opens_nothing_in_another_convening(world: World) -> None:
    _, link = invite(world)
    speaker = open_link(link)
    other = speaker.get(reverse("organizer:speaker", args=[world.other.slug]))
    assert other.status_code == 403
    assert speaker.get(reverse("organizer:home", args=[world.convening.slug])).status_code == 403


def test_a_participant_who_presents_nothing_is_not_shown_the_speaker_page(world: World) -> None:
    response = world.client_for("participant").get(reverse("organizer:speaker", args=[world.convening.slug]))
    assert response.status_code == 403 and "Your sessions and materials appear here" in response.content.decode()
    assert Client().get(reverse("organizer:speaker", args=[world.convening.slug])).status_code == 302


def test_inviting_a_staff_member_registers_them_without_a_link(world: World) -> None:
    response, link = invite(world, email="olivia@example.org")  # the organizer herself, staff
    assert not link and "staff accounts sign in with their password" in response.content.decode()


def test_bad_invitation_input_is_explained(world: World) -> None:
    response, _ = invite(world, email="not-an-email", first_name="")
    page = response.content.decode()
    assert response.status_code == 400 and "Enter a valid email address" in page and "This field is required" in page


def upload(client: Client, url: str, name: str, content: bytes, title: str = "Slides") -> str:
    response = client.post(url, {"title": title, "file": SimpleUploadedFile(name, content)}, follow=True)
    return response.content.decode()


@pytest.mark.parametrize(("name", "content"), [("slides.pdf", PDF), ("photo.png", PNG),
                                               ("photo.jpg", b"\xff\xd8\xff\xe0" + b"\x00" * 16),
                                               ("deck.pptx", office("pptx")), ("handout.docx", office("docx"))])
def test_a_speaker_uploads_each_allowed_type_and_everyone_can_open_it(world: World, name: str, content: bytes) -> None:
    _, link = invite(world)
    speaker = open_link(link)
    url = reverse("organizer:speaker_upload", args=[world.convening.slug, world.session.pk])
    page = upload(speaker, url, name, content)
    assert "Added “Slides”" in page
    material = Material.objects.get(session=world.session)
    served = Client().get(material.href)  # the public agenda links to it
    assert served.status_code == 200 and b"".join(served.streaming_content) == content
    assert served["Content-Type"] == uploads.ALLOWED[name.rsplit(".", 1)[1]][1]
    assert material.href in Client().get(world.convening.get_absolute_url()).content.decode()


@pytest.mark.parametrize(("name", "content", "says"), [
    ("page.html", b"<script>alert(1)</script>", "not a file type we accept"),
    ("slides.pdf", b"<html>not a pdf</html>", "does not look like a PDF file"),
    ("deck.pptx", office("docx"), "not a PowerPoint document"),
    ("deck.pptx", b"PK\x03\x04garbage", "not a readable PowerPoint document"),
    ("empty.pdf", b"", "is empty"),
])
def test_files_of_other_types_are_refused_with_a_clear_error(world: World, name: str, content: bytes, says: str) -> None:
    _, link = invite(world)
    speaker = open_link(link)
    page = upload(speaker, reverse("organizer:speaker_upload", args=[world.convening.slug, world.session.pk]),
                  name, content)
    assert says in page
    assert not Material.objects.exists()


def test_a_file_over_the_limit_is_refused(world: World, settings: object) -> None:
    settings.MATERIAL_MAX_BYTES = 1024
    client = world.client_for("organizer")
    url = reverse("organizer:material_add", args=[world.convening.slug, world.session.pk])
    page = upload(client, url, "big.pdf", PDF + b"x" * 2000)
    assert "the limit is 1 KB" in page
    page = upload(client, url, "huge.pdf", PDF + b"x" * 200_000)  # refused by its length, unparsed
    assert "larger than the limit of 1 KB" in page
    assert not Material.objects.exists()


def test_a_speaker_cannot_add_materials_to_someone_elses_session(world: World) -> None:
    _, link = invite(world)
    speaker = open_link(link)
    other_session = world.convening.sessions.exclude(pk=world.session.pk).first()
    response = speaker.post(reverse("organizer:speaker_upload", args=[world.convening.slug, other_session.pk]),
                            {"title": "X", "file": SimpleUploadedFile("a.pdf", PDF)})
    assert response.status_code == 403 and not Material.objects.exists()


def test_organizers_add_links_and_remove_materials(world: World) -> None:
    client = world.client_for("organizer")
    url = reverse("organizer:material_add", args=[world.convening.slug, world.session.pk])
    page = client.post(url, {"title": "Agenda", "url": "https://example.org/agenda.pdf"}, follow=True).content.decode()
    assert "Added “Agenda”" in page
    material = Material.objects.get()
    assert "Choose a file to upload or give a link" in client.post(url, {"title": "Nothing"}, follow=True).content.decode()
    client.post(reverse("organizer:material_delete", args=[world.convening.slug, material.pk]))
    assert not Material.objects.exists()
    # Only files that belong to a material are served.
    assert Client().get("/media/materials/2026/../../../etc/passwd").status_code == 404


def test_the_upload_check_is_pure() -> None:
    assert uploads.check_upload("A.PDF", 10, PDF).content_type == "application/pdf"
    with pytest.raises(uploads.UploadRefused, match="limit is 1 KB"):
        uploads.check_upload("a.pdf", 2048, PDF, max_bytes=1024)
    with pytest.raises(uploads.UploadRefused, match="not a file type"):
        uploads.check_upload("noextension", 10, PDF)
