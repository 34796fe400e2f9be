"""Issue 16, the last piece: selection's entry pictures and attachments are sealed in the private
storage (``core.documents``) like the charters, nothing of them lies under MEDIA_ROOT, and they
are handed out only by the scoped views (``selection.views.PictureView`` / ``AttachmentView``):
the original bytes inside, 404 outside and to the anonymous; migration ``selection/0004`` moves
the files already in MEDIA_ROOT."""

import importlib
import io
from pathlib import Path

import pytest
from cryptography.fernet import Fernet
from django.apps import apps
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import call_command
from django.test import Client
from django.urls import reverse

from core.encryption import development_key
from grading.models import Expert
from registry.models import Division
from selection import services
from selection.choices import StageKind
from selection.models import EntryAttachment, EntryPicture
from tests.access import INSIDE, OUTSIDE
from tests.selection.conftest import SCORE_CRITERIA, case_text, jpeg

PDF_BYTES = b"%PDF-1.7\n1 0 obj <<>> endobj\ntrailer <<>>\n%%EOF\n"

migration = importlib.import_module("selection.migrations.0004_private_pictures_and_attachments")

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def storages(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"
    settings.PRIVATE_MEDIA_ROOT = tmp_path / "private"
    return settings


def _files_under(root) -> list[Path]:
    return [path for path in Path(root).rglob("*") if path.is_file()]


def entry_with_files(world, users, *, blind_review=False):
    """A call of 坪山街道 (马峦 and 龙岗 are outside) with an entry of the world's organisation,
    a picture and an attachment added by its leader while a draft, submitted, then in review
    with one expert assigned."""
    organiser, leader = users["street_officer"], users["organisation_leader"]
    campaign = services.campaign_create(
        organiser=Division.objects.get(code="440310001"),
        title="坪山街道社区治理案例征集",
        year=2024,
        min_pictures=0,
        blind_review=blind_review,
        categories=[{"name": "社区服务类"}],
        stages=[
            {"kind": StageKind.COLLECTION},
            {"kind": StageKind.EXPERT_REVIEW, "experts_per_entry": 1, "criteria": SCORE_CRITERIA},
        ],
        acting_user=organiser,
    )
    campaign = services.campaign_open(campaign=campaign, acting_user=organiser)
    entry = services.entry_create(
        campaign=campaign,
        category=campaign.categories.get(),
        organisation=world.organisation,
        title="书画进社区",
        text=case_text(300),
        contact_name="黄联系",
        phone="13800138000",
        acting_user=leader,
    )
    upload = jpeg("活动照片.jpg")
    picture_bytes = upload.read()
    (picture,) = services.pictures_add(
        entry=entry, uploads=[SimpleUploadedFile("活动照片.jpg", picture_bytes)], acting_user=leader
    )
    (attachment,) = services.attachments_add(
        entry=entry, uploads=[SimpleUploadedFile("申报书.pdf", PDF_BYTES)], acting_user=leader
    )
    services.entry_submit(entry=entry, acting_user=leader)
    collection, review = campaign.stages.order_by("position")
    services.stage_close(stage=collection, acting_user=organiser)
    services.stage_open(stage=review, acting_user=organiser)
    expert = Expert.objects.create(
        name="评审甲", district=Division.objects.get(code="440310"), phone="13712345678"
    )
    services.panel_create(stage=review, name="评审组", experts=[expert], acting_user=organiser)
    services.assignment_create(stage=review, entry=entry, expert=expert, acting_user=organiser)
    world.entry, world.picture, world.attachment = entry, picture, attachment
    world.picture_bytes, world.expert = picture_bytes, expert
    return world


def expert_user(world, users, make_user):
    user = make_user(username="expert-jia")
    services.expert_contact_set(
        expert=world.expert,
        phone=world.expert.phone,
        user=user,
        acting_user=users["district_officer"],
    )
    return user


def picture_url(world):
    return reverse("selection:picture", args=[world.picture.pk])


def attachment_url(world):
    return reverse("selection:attachment", args=[world.attachment.pk])


def test_pictures_and_attachments_are_sealed_outside_the_media_root(world, users, storages):
    entry_with_files(world, users)
    for stored, clear in ((world.picture, world.picture_bytes), (world.attachment, PDF_BYTES)):
        on_disk = Path(storages.PRIVATE_MEDIA_ROOT) / stored.file.name
        assert on_disk.exists()
        assert on_disk.read_bytes() != clear and clear not in on_disk.read_bytes()
        assert stored.file.url == ""  # no media URL serves it
        with stored.file.storage.open(stored.file.name) as handle:
            assert handle.read() == clear
    assert world.picture.file.name.startswith("selection/pictures/")
    assert world.attachment.file.name.startswith("selection/attachments/")
    assert _files_under(storages.MEDIA_ROOT) == []  # nothing in clear where /media/ is served


@pytest.mark.parametrize("role", INSIDE)
def test_inside_gets_the_original_bytes(role, world, users, client_for):
    entry_with_files(world, users)
    client = client_for(users[role])
    picture = client.get(picture_url(world))
    assert picture.status_code == 200
    assert picture["Content-Type"] == "image/jpeg"
    assert b"".join(picture.streaming_content) == world.picture_bytes
    attachment = client.get(attachment_url(world))
    assert attachment.status_code == 200
    assert attachment["Content-Type"] == "application/pdf"
    assert attachment["X-Content-Type-Options"] == "nosniff"
    assert attachment["Content-Disposition"].startswith("attachment;")
    assert ".pdf" in attachment["Content-Disposition"]
    assert ".pdf.pdf" not in attachment["Content-Disposition"]
    assert b"".join(attachment.streaming_content) == PDF_BYTES


@pytest.mark.parametrize("role", OUTSIDE)
def test_outside_gets_404(role, world, users, client_for):
    entry_with_files(world, users)
    client = client_for(users[role])
    assert client.get(picture_url(world)).status_code == 404
    assert client.get(attachment_url(world)).status_code == 404


def test_the_anonymous_get_404(world, users):
    entry_with_files(world, users)
    assert Client().get(picture_url(world)).status_code == 404
    assert Client().get(attachment_url(world)).status_code == 404


def test_the_assigned_expert_gets_them_unless_the_review_is_blind(
    world, users, client_for, make_user
):
    entry_with_files(world, users)
    client = client_for(expert_user(world, users, make_user))
    assert b"".join(client.get(picture_url(world)).streaming_content) == world.picture_bytes
    assert b"".join(client.get(attachment_url(world)).streaming_content) == PDF_BYTES
    assignment = world.entry.assignments.get()
    sheet = client.get(reverse("selection:review-sheet", args=[assignment.pk])).content.decode()
    assert f'href="{attachment_url(world)}"' in sheet
    assert f'src="{picture_url(world)}"' in sheet
    assert "/media/" not in sheet


def test_a_blind_reviews_expert_gets_404(world, users, client_for, make_user):
    entry_with_files(world, users, blind_review=True)
    client = client_for(expert_user(world, users, make_user))
    assert client.get(picture_url(world)).status_code == 404
    assert client.get(attachment_url(world)).status_code == 404


def test_the_entry_page_links_to_the_scoped_views(world, users, client_for):
    entry_with_files(world, users)
    page = client_for(users["community_staff"]).get(
        reverse("selection:entry-detail", args=[world.entry.pk])
    )
    html = page.content.decode()
    assert f'src="{picture_url(world)}"' in html
    assert f'href="{attachment_url(world)}"' in html
    assert "/media/" not in html


def test_a_missing_file_is_404_not_a_server_error(world, users, client_for):
    entry_with_files(world, users)
    world.picture.file.storage.delete(world.picture.file.name)
    world.attachment.file.storage.delete(world.attachment.file.name)
    client = client_for(users["community_staff"])
    assert client.get(picture_url(world)).status_code == 404
    assert client.get(attachment_url(world)).status_code == 404


def test_the_migration_moves_clear_files_into_the_private_storage_and_back(world, users, storages):
    leader = users["organisation_leader"]
    entry_with_files(world, users)
    media = Path(storages.MEDIA_ROOT)
    clear = {
        "selection/pictures/2023/old.jpg": world.picture_bytes,
        "selection/attachments/2023/old.pdf": PDF_BYTES,
        "selection/pictures/2023/removed.jpg": world.picture_bytes,
    }
    for name, data in clear.items():
        (media / name).parent.mkdir(parents=True, exist_ok=True)
        (media / name).write_bytes(data)
    picture = EntryPicture.objects.create(
        entry=world.entry,
        file="selection/pictures/2023/old.jpg",
        name="旧照片.jpg",
        image_format="JPEG",
        size=len(world.picture_bytes),
        uploaded_by=leader,
    )
    EntryAttachment.objects.create(
        entry=world.entry,
        file="selection/attachments/2023/old.pdf",
        name="旧申报书.pdf",
        file_format="pdf",
        size=len(PDF_BYTES),
        uploaded_by=leader,
    )
    # a removed picture: only its history row names the file, which is still there
    EntryPicture.objects.create(
        entry=world.entry,
        file="selection/pictures/2023/removed.jpg",
        name="删掉的照片.jpg",
        image_format="JPEG",
        size=len(world.picture_bytes),
        uploaded_by=leader,
    ).delete()

    migration.seal_existing_files(apps, None)

    assert _files_under(media) == []
    private = EntryPicture._meta.get_field("file").storage
    for name, data in clear.items():
        sealed = Path(storages.PRIVATE_MEDIA_ROOT) / name
        assert sealed.exists() and data not in sealed.read_bytes()
        with private.open(name) as handle:
            assert handle.read() == data
    with picture.file.open() as handle:
        assert handle.read() == world.picture_bytes
    migration.seal_existing_files(apps, None)  # again: nothing left to move, nothing breaks

    migration.unseal_files(apps, None)
    for name, data in clear.items():
        assert (media / name).read_bytes() == data
        assert not private.exists(name)
    # the files uploaded sealed come back in clear too
    assert (media / world.picture.file.name).read_bytes() == world.picture_bytes
    assert (media / world.attachment.file.name).read_bytes() == PDF_BYTES


def test_key_rotation_reseals_pictures_and_attachments(world, users, settings):
    entry_with_files(world, users)
    new = Fernet.generate_key().decode()
    settings.FIELD_ENCRYPTION_KEYS = [new, development_key()]
    out = io.StringIO()
    call_command("rotate_encryption_key", "--no-progress", stdout=out)
    assert "2 documents sealed" in out.getvalue()
    settings.FIELD_ENCRYPTION_KEYS = [new]  # the old key dropped: the files still open
    for stored, clear in ((world.picture, world.picture_bytes), (world.attachment, PDF_BYTES)):
        with stored.file.storage.open(stored.file.name) as handle:
            assert handle.read() == clear
