"""The audit log on the shared access tests (tests/access.py): its page, its export, an
object's history and the API, for every role inside and outside the world's jurisdiction."""

from tests.access import XLSX, EndpointAccess, PageAccess, cell_texts


class TestAuditLogPage(PageAccess):
    list_url = "/audit/"
    list_query = {}

    def filters(self, world):
        return [{"kind": "registry.organisation"}, {"change": "created"}]

    def detail_url(self, world):
        return f"/audit/registry.member/{world.member.pk}/"

    def pages(self, world):
        return [f"/audit/registry.organisation/{world.organisation.pk}/"]

    def label(self, world):
        return world.organisation.name


class TestAuditLogExport(PageAccess):
    list_url = "/audit/export.xlsx"

    def filters(self, world):
        return [{"kind": "registry.member"}]

    def label(self, world):
        return world.organisation.name

    def shown(self, response, world):
        assert response["Content-Type"] == XLSX
        content = b"".join(response.streaming_content)
        return any(self.label(world) in text for text in cell_texts(content))


class TestAuditEventsApi(EndpointAccess):
    list_url = "/api/v1/audit-events/"
    id_key = "organisation_id"
    within_filter = False

    def detail_url(self, world):
        return f"{self.list_url}objects/registry.organisation/{world.organisation.pk}/"

    def object_id(self, world):
        return world.organisation.pk

    def id_of(self, body):
        return body[0]["organisation_id"]

    def filters(self, world):
        return [{"kind": "registry.organisation"}, {"change": "created"}, {"page_size": "200"}]

    def actions(self, world):
        return [("get", f"{self.list_url}objects/registry.member/{world.member.pk}/", None)]
