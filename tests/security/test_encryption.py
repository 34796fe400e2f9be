"""Issue 16: ID numbers are sealed at rest in the member table and in every past value of its
history table, with a keyed hash beside them for exact search; the key rotates; uploads are
stored encrypted."""

import io

import pytest
from cryptography.fernet import Fernet
from django.core.management import call_command
from django.core.management.base import CommandError
from django.db import connection

from core import encryption
from core.documents import private_documents
from registry.models import Member
from registry.services import organisations

ID_NUMBER = "440303199505050029"
OTHER_ID = "440304198503152015"

pytestmark = pytest.mark.django_db


def _stored(model, pk):
    meta = model._meta
    column = "history_id" if model is not Member else meta.pk.column
    with connection.cursor() as cursor:
        cursor.execute(
            f"SELECT id_number, id_number_hash FROM {meta.db_table} WHERE {column} = %s", [pk]
        )
        return cursor.fetchone()


@pytest.fixture
def member(world, users):
    return organisations.member_update(
        member=world.member,
        acting_user=users["community_staff"],
        reason="身份证号码补录",
        id_number=ID_NUMBER,
    )


def test_the_member_table_and_its_history_hold_only_ciphertext(member):
    stored, key = _stored(Member, member.pk)
    assert ID_NUMBER not in stored and "0029" not in stored
    assert encryption.decrypt(stored) == ID_NUMBER
    assert key == encryption.blind_index(ID_NUMBER) and len(key) == 64
    for record in Member.history.filter(id=member.pk, id_number_hash=key):
        history_value, history_key = _stored(Member.history.model, record.history_id)
        assert ID_NUMBER not in history_value and history_key == key
    assert Member.history.filter(id=member.pk, id_number_hash=key).exists()
    assert Member.objects.get(pk=member.pk).id_number == ID_NUMBER  # decrypted in Python


def test_a_changed_ciphertext_is_refused(member):
    stored, _key = _stored(Member, member.pk)
    tampered = stored[:-6] + ("A" if stored[-6] != "A" else "B") + stored[-5:]
    with pytest.raises(encryption.InvalidToken):
        encryption.decrypt(tampered)


def test_filtering_by_the_plain_value_is_refused_not_silently_empty(member):
    with pytest.raises(ValueError, match="keyed hash"):
        list(Member.objects.filter(id_number=ID_NUMBER))
    assert Member.objects.exclude(id_number="").filter(pk=member.pk).exists()


def test_the_keyed_hash_follows_every_way_of_writing(member, users):
    updated = organisations.member_update(
        member=member, acting_user=users["community_staff"], reason="更正", id_number=OTHER_ID
    )
    assert _stored(Member, updated.pk)[1] == encryption.blind_index(OTHER_ID)
    # core.db's bulk update (the import path) writes the hash of the new value too
    from core.db import update_with_history

    updated.id_number = ID_NUMBER
    update_with_history([updated], Member, ["id_number"], default_user=users["community_staff"])
    assert _stored(Member, updated.pk)[1] == encryption.blind_index(ID_NUMBER)
    newest = Member.history.filter(id=updated.pk).order_by("-history_id").first()
    assert _stored(Member.history.model, newest.history_id)[1] == encryption.blind_index(ID_NUMBER)


def test_the_hash_ignores_spaces_and_the_case_of_x():
    assert encryption.blind_index("44030319950505002x") == encryption.blind_index(
        "440303 19950505 002X"
    )
    assert encryption.blind_index("") == ""


def test_exact_search_by_a_full_id_number_for_those_allowed(member, users, api_for, client_for):
    staff = api_for(users["community_staff"])
    found = staff.get("/api/v1/members/", {"id_number": ID_NUMBER}).json()["results"]
    assert [row["id"] for row in found] == [member.pk]
    assert staff.get("/api/v1/members/", {"id_number": OTHER_ID}).json()["results"] == []
    # the read-only city bureau sees ID numbers masked: the search is no way round the mask
    city = api_for(users["city_officer"])
    assert city.get("/api/v1/members/", {"id_number": ID_NUMBER}).json()["results"] == []
    orgs = staff.get("/api/v1/organisations/", {"q": ID_NUMBER}).json()["results"]
    assert [row["id"] for row in orgs] == [member.organisation_id]
    orgs = city.get("/api/v1/organisations/", {"q": ID_NUMBER}).json()["results"]
    assert orgs == []


def test_rotation_seals_every_row_with_the_newest_key(member, settings, tmp_path):
    settings.PRIVATE_MEDIA_ROOT = tmp_path
    old_key = Fernet.generate_key().decode()
    settings.FIELD_ENCRYPTION_KEYS = [old_key, encryption.development_key()]
    call_command("rotate_encryption_key", "--no-progress", stdout=open("/dev/null", "w"))
    assert Member.objects.get(pk=member.pk).id_number == ID_NUMBER
    new_key = Fernet.generate_key().decode()
    settings.FIELD_ENCRYPTION_KEYS = [new_key, old_key]
    call_command(
        "rotate_encryption_key", "--no-progress", "--batch", "1", stdout=open("/dev/null", "w")
    )
    settings.FIELD_ENCRYPTION_KEYS = [new_key]  # the old key dropped: every row still opens
    assert Member.objects.get(pk=member.pk).id_number == ID_NUMBER
    assert {r.id_number for r in Member.history.filter(id=member.pk)} >= {ID_NUMBER}
    stored, key = _stored(Member, member.pk)
    assert key == encryption.blind_index(ID_NUMBER)  # the hash key is not rotated


def test_without_keys_check_deploy_reports_an_error(settings):
    settings.FIELD_ENCRYPTION_KEYS = []
    settings.FIELD_HASH_KEY = ""
    ids = {error.id for error in encryption.check_encryption_keys()}
    assert ids == {"core.E101", "core.E103"}
    settings.FIELD_ENCRYPTION_KEYS = ["not a key"]
    settings.FIELD_HASH_KEY = "h" * 40
    assert {error.id for error in encryption.check_encryption_keys()} == {"core.E102"}
    settings.FIELD_ENCRYPTION_KEYS = [Fernet.generate_key().decode()]
    assert encryption.check_encryption_keys() == []


def test_an_upload_is_stored_encrypted(users, tmp_path, settings):
    from registry.views_excel import ImportJob

    settings.EXCEL_IMPORT_DIR = str(tmp_path)
    data = f"姓名,身份证号码\n张三,{ID_NUMBER}\n".encode()
    job = ImportJob.create(user=users["community_staff"], data=data, filename="roster.csv")
    on_disk = (job.path / "upload").read_bytes()
    assert ID_NUMBER.encode() not in on_disk and "张三".encode() not in on_disk
    assert job.upload == data


def test_rotation_finishes_and_names_a_file_no_key_opens(member, settings, tmp_path):
    """A private file sealed under a key that is no longer listed (say, restored from another
    deployment) does not stop the rotation half-way: everything else is sealed anew, the file is
    left as it is, and the command fails naming it."""
    settings.PRIVATE_MEDIA_ROOT = tmp_path
    storage = private_documents()
    storage.save("charters/2026/ours.pdf", io.BytesIO(b"%PDF-1.4 ours"))
    foreign = tmp_path / "charters" / "2026" / "foreign.pdf"
    foreign.write_bytes(Fernet(Fernet.generate_key()).encrypt(b"%PDF-1.4 theirs"))
    before = foreign.read_bytes()
    new_key = Fernet.generate_key().decode()
    settings.FIELD_ENCRYPTION_KEYS = [new_key, encryption.development_key()]
    with pytest.raises(CommandError, match=r"1 files .*charters/2026/foreign\.pdf"):
        call_command("rotate_encryption_key", "--no-progress", stdout=io.StringIO())
    settings.FIELD_ENCRYPTION_KEYS = [new_key]  # the old key dropped: ours still opens
    with storage.open("charters/2026/ours.pdf") as handle:
        assert handle.read() == b"%PDF-1.4 ours"
    assert Member.objects.get(pk=member.pk).id_number == ID_NUMBER
    assert foreign.read_bytes() == before
