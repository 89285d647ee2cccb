"""Staff pages: who may keep and publish which region's lists, and the support-policy files."""

import datetime
from urllib.parse import quote

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.urls import reverse
from django.utils import translation

from disclosure import services
from disclosure.models import Publication, SupportPolicy
from tests.disclosure import factories
from tests.submissions import with_token

Kind = Publication.Kind
NOT_PDF = "Only PDF files can be uploaded, and this file is not a PDF."


def policy_data(region, **extra) -> dict:
    """POST data for the policy form."""
    return {
        "region": region.pk,
        "title": "关于加快发展养老服务业的实施意见",
        "issuing_body": "鞍山市人民政府",
        "issued_on": "2020-06-01",
        "url": "",
        **extra,
    }


# Who may manage ----------------------------------------------------------------------------------


@pytest.mark.parametrize("viewer", ["institution", "department"])
@pytest.mark.parametrize(
    "name, kwargs, method",
    [
        ("disclosure:manage", {}, "get"),
        ("disclosure:manage_region", {"code": "210302"}, "get"),
        ("disclosure:policy_create", {}, "get"),
        ("disclosure:publish", {"code": "210302", "kind": "filed"}, "post"),
    ],
)
def test_institution_and_department_users_are_refused(client, world, viewer, name, kwargs, method):
    client.force_login(world.users[viewer])
    url = reverse(name, kwargs=kwargs)
    response = client.post(url, with_token(client)) if method == "post" else client.get(url)
    assert response.status_code == 403
    assert not Publication.objects.exists()


def test_anonymous_users_are_sent_to_login_from_the_staff_pages(client, world):
    response = client.get(reverse("disclosure:manage"))
    assert response.status_code == 302 and response["Location"].startswith(reverse("accounts:login"))


def test_district_user_cannot_publish_another_regions_list(client, world):
    client.force_login(world.users["district"])
    url = reverse("disclosure:publish", kwargs={"code": "210303", "kind": Kind.FILED})
    assert client.post(url, with_token(client)).status_code == 404
    assert not Publication.objects.exists()


def test_district_user_cannot_open_another_regions_manage_page(client, world):
    client.force_login(world.users["district"])
    for code in ("210303", "210300", world.foreign_region.code):
        assert client.get(reverse("disclosure:manage_region", kwargs={"code": code})).status_code == 404


def test_district_user_cannot_edit_or_delete_another_regions_policy(client, world):
    tiexi_policy = factories.policy(world.regions["210303"], world.users["other_district"])
    client.force_login(world.users["district"])
    assert client.get(reverse("disclosure:policy_edit", kwargs={"pk": tiexi_policy.pk})).status_code == 404
    assert (
        client.post(
            reverse("disclosure:policy_delete", kwargs={"pk": tiexi_policy.pk}), with_token(client)
        ).status_code
        == 404
    )
    assert SupportPolicy.objects.filter(pk=tiexi_policy.pk).exists()


def test_district_user_cannot_add_a_policy_to_another_region(client, world):
    client.force_login(world.users["district"])
    data = policy_data(world.regions["210303"], url="https://example.gov.cn/a")
    response = client.post(reverse("disclosure:policy_create"), with_token(client, data))
    assert response.status_code == 200
    assert "region" in response.context["form"].errors
    assert not SupportPolicy.objects.exists()


def test_services_refuse_out_of_scope_writes(world):
    tiexi = world.regions["210303"]
    with pytest.raises(PermissionDenied):
        services.publication_publish(region=tiexi, kind=Kind.FILED, by=world.users["district"])
    with pytest.raises(PermissionDenied):
        factories.policy(tiexi, world.users["district"])
    with pytest.raises(PermissionDenied):
        services.publication_publish(region=tiexi, kind=Kind.FILED, by=world.users["institution"])


def test_district_manage_overview_lists_only_its_own_unit(client, world):
    client.force_login(world.users["district"])
    rows = client.get(reverse("disclosure:manage")).context["rows"]
    assert [row["region"].code for row in rows] == ["210302"]


def test_city_manage_overview_lists_the_city_and_its_units(client, world):
    client.force_login(world.users["city"])
    codes = [row["region"].code for row in client.get(reverse("disclosure:manage")).context["rows"]]
    assert codes[0] == "210300" and "210302" in codes and "210300-C00" in codes
    assert world.foreign_region.code not in codes


# Policies and their files ----------------------------------------------------------------------


def test_district_user_adds_a_policy_with_a_pdf(client, world, media_root):
    client.force_login(world.users["district"])
    data = policy_data(world.regions["210302"], file=factories.pdf("养老扶持政策.pdf"))
    response = client.post(reverse("disclosure:policy_create"), with_token(client, data))
    assert response.status_code == 302
    policy = SupportPolicy.objects.get()
    assert policy.region.code == "210302" and policy.created_by == world.users["district"]
    assert policy.original_filename == "养老扶持政策.pdf"
    assert "养老" not in policy.file.name and policy.file.name.endswith(".pdf")  # a random name on disk
    assert (media_root / policy.file.name).read_bytes() == factories.PDF_BYTES
    assert len(policy.file_sha256) == 64


def test_a_renamed_non_pdf_is_refused_with_a_message_in_chinese(client, world):
    client.force_login(world.users["district"])
    fake = factories.pdf("政策.pdf", content=b"PK\x03\x04 this is a zip file renamed to .pdf")
    data = policy_data(world.regions["210302"], file=fake)
    response = client.post(reverse("disclosure:policy_create"), with_token(client, data))
    assert response.status_code == 200
    assert not SupportPolicy.objects.exists()
    with translation.override("zh-hans"):
        message = translation.gettext(NOT_PDF)
    assert response.context["form"].errors["file"] == [message]
    assert message in response.content.decode()
    assert message != NOT_PDF, "the zh_Hans catalogue lacks the PDF message"
    assert "PDF" in message and any("\u4e00" <= char <= "\u9fff" for char in message)


def test_the_service_refuses_a_non_pdf_too(world):
    fake = factories.pdf("a.pdf", content=b"<html>not a pdf</html>")
    with pytest.raises(ValidationError) as error:
        factories.policy(world.regions["210302"], world.users["district"], file=fake)
    assert "file" in error.value.message_dict
    assert not SupportPolicy.objects.exists()


def test_a_pdf_over_20_mb_is_refused(client, world, monkeypatch):
    monkeypatch.setattr("disclosure.models.MAX_PDF_BYTES", len(factories.PDF_BYTES) - 1)
    client.force_login(world.users["district"])
    data = policy_data(world.regions["210302"], file=factories.pdf())
    response = client.post(reverse("disclosure:policy_create"), with_token(client, data))
    assert "file" in response.context["form"].errors
    assert not SupportPolicy.objects.exists()


def test_a_policy_needs_a_link_or_a_file(client, world):
    client.force_login(world.users["district"])
    response = client.post(
        reverse("disclosure:policy_create"), with_token(client, policy_data(world.regions["210302"]))
    )
    assert "url" in response.context["form"].errors
    assert not SupportPolicy.objects.exists()


def test_policy_file_is_served_only_once_published(client, world):
    policy = factories.policy(
        world.regions["210302"], world.users["district"], file=factories.pdf("扶持 政策.pdf")
    )
    url = reverse("disclosure:policy_file", kwargs={"pk": policy.pk})
    assert client.get(url).status_code == 404

    services.publication_publish(
        region=world.regions["210302"], kind=Kind.POLICIES, by=world.users["district"]
    )
    response = client.get(url)
    assert response.status_code == 200
    assert b"".join(response.streaming_content) == factories.PDF_BYTES
    assert response["Content-Type"] == "application/pdf"
    assert response["X-Content-Type-Options"] == "nosniff"
    assert response["Content-Disposition"] == f"inline; filename*=utf-8''{quote('扶持 政策.pdf')}"
    assert url in client.get(reverse("disclosure:region", kwargs={"code": "210302"})).content.decode()


def test_a_replaced_file_is_not_served_until_published_again(
    client, world, django_capture_on_commit_callbacks
):
    tiedong = world.regions["210302"]
    policy = factories.published_policy(world)
    url = reverse("disclosure:policy_file", kwargs={"pk": policy.pk})
    old_name = policy.file.name
    with django_capture_on_commit_callbacks(execute=True):
        services.policy_update(
            policy=policy,
            region=tiedong,
            title=policy.title,
            issuing_body=policy.issuing_body,
            issued_on=policy.issued_on,
            url="",
            file=factories.pdf("新版.pdf", content=factories.PDF_BYTES + b"% v2\n"),
            by=world.users["district"],
        )
    assert not policy.file.storage.exists(old_name)
    assert client.get(url).status_code == 404
    assert url not in client.get(reverse("disclosure:region", kwargs={"code": "210302"})).content.decode()

    services.publication_publish(region=tiedong, kind=Kind.POLICIES, by=world.users["district"])
    assert client.get(url).status_code == 200


def test_a_policy_outside_the_latest_published_list_is_not_served(client, world):
    policy = factories.published_policy(world)
    services.policy_delete(policy=policy, by=world.users["district"])
    assert client.get(reverse("disclosure:policy_file", kwargs={"pk": policy.pk})).status_code == 404
    kept = factories.published_policy(world)
    services.publication_publish(
        region=world.regions["210302"], kind=Kind.POLICIES, by=world.users["district"]
    )
    other = factories.policy(world.regions["210302"], world.users["district"], file=factories.pdf())
    assert client.get(reverse("disclosure:policy_file", kwargs={"pk": kept.pk})).status_code == 200
    assert client.get(reverse("disclosure:policy_file", kwargs={"pk": other.pk})).status_code == 404


def test_district_user_edits_and_deletes_its_policy(client, world):
    policy = factories.policy(world.regions["210302"], world.users["district"], file=factories.pdf())
    client.force_login(world.users["district"])
    edit = reverse("disclosure:policy_edit", kwargs={"pk": policy.pk})
    assert client.get(edit).status_code == 200
    data = policy_data(
        world.regions["210302"], title="新标题", remove_file="on", url="https://example.gov.cn/x"
    )
    assert client.post(edit, with_token(client, data)).status_code == 302
    policy.refresh_from_db()
    assert policy.title == "新标题" and not policy.file and policy.url == "https://example.gov.cn/x"
    assert (
        client.post(
            reverse("disclosure:policy_delete", kwargs={"pk": policy.pk}), with_token(client)
        ).status_code
        == 302
    )
    assert not SupportPolicy.objects.exists()


def test_publication_date_is_the_local_date(world, monkeypatch):
    late_evening_utc = datetime.datetime(2020, 10, 15, 17, 30, tzinfo=datetime.UTC)  # 16 Oct 01:30 in Anshan
    monkeypatch.setattr("django.utils.timezone.now", lambda: late_evening_utc)
    publication = services.publication_publish(
        region=world.regions["210302"], kind=Kind.FILED, by=world.users["district"]
    )
    assert publication.published_on == datetime.date(2020, 10, 16)
