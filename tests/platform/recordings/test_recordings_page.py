"""After the convening: organizers play and download recordings from the report and choose
whether rooms may be recorded; participants cannot; recordings older than
RECORDING_RETENTION_DAYS are deleted (file, raw packets and row) by the worker's round."""
from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest
from django.contrib.auth import get_user_model
from django.core.exceptions import ImproperlyConfigured
from django.core.files.base import ContentFile
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from recordings import actions, jobs
from recordings.models import Recording, State
from recordings.storage import S3Storage, recording_storage, storage_from_url
from tests.signaling.consumers.factories import SmallConvening, small_convening

pytestmark = pytest.mark.django_db
WEBM = b"\x1a\x45\xdf\xa3" + b"\0" * 2000


def client_for(username: str) -> Client:
    client = Client()
    client.force_login(get_user_model().objects.get(username=username))
    return client


def ready(small: SmallConvening, days_ago: float, raw: Path) -> Recording:
    stopped = timezone.now() - dt.timedelta(days=days_ago)
    raw.mkdir(parents=True)
    (raw / "timeline.jsonl").write_text("{}\n")
    name = recording_storage().save(f"{small.convening.slug}/stage.webm", ContentFile(WEBM))
    return Recording.objects.create(convening=small.convening, space="plenary", state=State.READY,
                                    started_at=stopped - dt.timedelta(minutes=30), stopped_at=stopped,
                                    folder=str(raw), file=name, size=len(WEBM), duration_s=1800, progress=1.0)


def test_organizers_play_and_download_participants_cannot(recordings_dir: Path) -> None:
    small = small_convening()
    recording = ready(small, 1, recordings_dir / "raw" / "a")
    slug = small.convening.slug
    organizer = client_for("olivia")
    report = organizer.get(reverse("reports:report", args=[slug])).content.decode()
    assert reverse("recordings:page", args=[slug]) in report
    page = organizer.get(reverse("recordings:page", args=[slug])).content.decode()
    assert f'src="{reverse("recordings:play", args=[slug, recording.pk])}"' in page and "<video" in page
    download = organizer.get(reverse("recordings:download", args=[slug, recording.pk]))
    assert download.status_code == 200 and b"".join(download.streaming_content) == WEBM
    assert "attachment" in download["Content-Disposition"]

    participant = client_for("maria")
    assert participant.get(reverse("recordings:page", args=[slug])).status_code == 403
    assert participant.get(reverse("recordings:download", args=[slug, recording.pk])).status_code == 403

    assert not actions.rooms_allowed(small.convening.pk)
    organizer.post(reverse("recordings:policy", args=[slug]), {"rooms_allowed": "on"})
    assert actions.rooms_allowed(small.convening.pk)
    assert participant.post(reverse("recordings:policy", args=[slug]), {}).status_code == 403
    assert actions.rooms_allowed(small.convening.pk)


def test_recordings_past_their_retention_are_deleted(recordings_dir: Path, settings) -> None:  # noqa: ANN001
    settings.RECORDING_RETENTION_DAYS = 30
    small = small_convening()
    old = ready(small, 31, recordings_dir / "raw" / "old")
    kept = ready(small, 29, recordings_dir / "raw" / "kept")
    live = Recording.objects.create(convening=small.convening, space="room-1", state=State.RECORDING,
                                    started_at=timezone.now() - dt.timedelta(days=40), folder="")

    assert jobs.purge_expired() == 1
    assert set(Recording.objects.values_list("pk", flat=True)) == {kept.pk, live.pk}
    assert not recording_storage().exists(old.file) and recording_storage().exists(kept.file)
    assert not Path(old.folder).exists() and Path(kept.folder).exists()


def test_the_storage_url_chooses_a_folder_or_s3_compatible_storage(tmp_path: Path) -> None:
    assert storage_from_url(f"file://{tmp_path}").location == str(tmp_path)
    minio = storage_from_url("s3://AKEY:S%2FKEY@minio.example:9000/recordings?secure=0")
    assert isinstance(minio, S3Storage) and minio.bucket == "recordings"
    assert (minio.driver.key, minio.driver.secret, minio.driver.secure) == ("AKEY", "S/KEY", False)
    aws = storage_from_url("s3://AKEY:SKEY@s3.amazonaws.com/recs?region=eu-west-1")
    assert aws.driver.region_name == "eu-west-1"
    with pytest.raises(ImproperlyConfigured):
        storage_from_url("ftp://example/recordings")
