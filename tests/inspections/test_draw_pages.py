"""The directories' and draws' pages: lifecycle, history, publication without private fields, the
re-run command, constant queries and double submits."""

import datetime
import json

import pytest
from django.core.exceptions import ValidationError
from django.core.management import CommandError, call_command
from django.urls import reverse

from core import dates
from inspections import draw as algo
from inspections import services
from inspections.models import Assignment, Draw, DrawnInstitution
from tests.inspections import factories
from tests.submissions import with_token

pytestmark = pytest.mark.django_db


@pytest.fixture
def setup(world):
    factories.directories(world)
    factories.more_institutions(world, 6)
    return world


def test_lifecycle_freeze_seed_draw(setup, client, monkeypatch):
    world = setup
    today = dates.today()
    draw = factories.draft(
        world,
        seed_kind="lottery",
        seed_description="福彩3D 开奖号码",
        seed_available_on=today + datetime.timedelta(days=3),
    )
    city = world.users["city"]
    with pytest.raises(ValidationError, match="只能在冻结后"):
        services.enter_seed(draw, seed="123", by=city)
    draw = services.freeze(draw, by=city)
    frozen_hash, frozen_inputs = draw.inputs_sha256, draw.inputs_json
    assert len(frozen_hash) == 64
    with pytest.raises(ValidationError, match="此前不能录入"):
        services.enter_seed(draw, seed="123", by=city)
    # The directories change after the freeze: the draw's inputs do not.
    factories.inspector(world.regions["210304"], name="新检查员", n=99)
    with pytest.raises(ValidationError):
        services.freeze(draw, by=city)
    monkeypatch.setattr(dates, "today", lambda: today + datetime.timedelta(days=3))
    draw = services.enter_seed(draw, seed="5 8 2", by=city)
    draw = services.run(draw, by=city)
    draw.refresh_from_db()
    assert (draw.inputs_sha256, draw.inputs_json) == (frozen_hash, frozen_inputs)
    assert "新检查员" not in draw.inputs_json
    assert draw.status == Draw.Status.DRAWN and draw.result["inputs_sha256"] == frozen_hash
    assert DrawnInstitution.objects.filter(draw=draw).count() == len(draw.result["drawn"]) == 4  # 50 % of 7
    assert Assignment.objects.filter(drawn__draw=draw).count() == 8  # two inspectors each
    with pytest.raises(ValidationError, match="本次已抽取"):
        services.run(draw, by=city)
    # Through the page: a second "draw" is refused with a message, nothing changes.
    client.force_login(city)
    response = client.post(reverse("inspections:draw_run", args=[draw.pk]), with_token(client), follow=True)
    assert "drawn already" in response.content.decode() or "已抽取" in response.content.decode()
    assert DrawnInstitution.objects.filter(draw=draw).count() == 4


def test_seed_form_refused_before_its_day_names_the_date(setup, client):
    world = setup
    day = dates.today() + datetime.timedelta(days=5)
    draw = services.freeze(
        factories.draft(world, seed_kind="lottery", seed_description="x", seed_available_on=day),
        by=world.users["city"],
    )
    client.force_login(world.users["city"])
    page = client.get(reverse("inspections:draw_detail", args=[draw.pk])).content.decode()
    assert 'data-testid="seed-wait"' in page and day.isoformat() in page
    response = client.post(
        reverse("inspections:draw_seed", args=[draw.pk]), with_token(client, {"seed": "1"})
    )
    assert response.status_code == 400
    draw.refresh_from_db()
    assert draw.seed == ""


def test_annul_and_redraw_history_on_both_pages(setup, client):
    world = setup
    draw = factories.drawn(world)
    client.force_login(world.users["city"])
    url = reverse("inspections:draw_annul", args=[draw.pk])
    assert client.post(url, with_token(client, {"reason": "检查人员名录有误"})).status_code == 302
    response = client.post(
        reverse("inspections:draw_redraw", args=[draw.pk]),
        with_token(client, {"seed_kind": "recorded_random", "seed_description": "重新掷骰子"}),
    )
    assert response.status_code == 302
    new = Draw.objects.get(redraw_of=draw)
    assert new.status == Draw.Status.DRAFT and new.seed_description == "重新掷骰子"
    services.freeze(new, by=world.users["city"])
    for page in (
        client.get(reverse("inspections:draw_detail", args=[draw.pk])),
        client.get(reverse("public_draws:detail", args=[draw.pk])),
    ):
        body = page.content.decode()
        assert "检查人员名录有误" in body and 'data-testid="redrawn-as"' in body
    for page in (
        client.get(reverse("inspections:draw_detail", args=[new.pk])),
        client.get(reverse("public_draws:detail", args=[new.pk])),
    ):
        assert 'data-testid="redraw-of"' in page.content.decode()
    # The annulled draw keeps its drawn list.
    assert DrawnInstitution.objects.filter(draw=draw).exists()


def test_public_pages_and_document_carry_no_private_field(setup, client):
    world = setup
    draw = factories.drawn(world)
    assert factories.PHONE and factories.CERTIFICATE
    client.logout()
    pages = [
        client.get(reverse("public_draws:list")),
        client.get(reverse("public_draws:detail", args=[draw.pk])),
        client.get(reverse("public_draws:document", args=[draw.pk])),
    ]
    for response in pages:
        assert response.status_code == 200
        body = response.content.decode()
        assert factories.PHONE not in body and factories.CERTIFICATE not in body
    document = json.loads(pages[2].content)
    assert document["inputs_sha256"] == draw.inputs_sha256 and document["seed"] == draw.seed
    assert set(document["inputs"]["inspectors"][0]) == {
        "id",
        "name",
        "department",
        "region",
        "active",
        "conflicts",
    }
    detail = pages[1].content.decode()
    assert draw.inputs_sha256 in detail and draw.result["drawn"][0]["name"] in detail


def test_draft_is_not_public(setup, client):
    draw = factories.draft(setup)
    assert client.get(reverse("public_draws:detail", args=[draw.pk])).status_code == 404
    assert client.get(reverse("public_draws:document", args=[draw.pk])).status_code == 404


def test_source_files_are_the_repository_files(client):
    from django.conf import settings

    response = client.get(reverse("public_draws:file", args=["draw.py"]))
    assert (
        b"".join(response.streaming_content) == (settings.BASE_DIR / "inspections" / "draw.py").read_bytes()
    )
    assert client.get(reverse("public_draws:file", args=["settings.py"])).status_code == 404


def test_rerun_command_matches_and_detects_tampering(setup, capsys):
    draw = factories.drawn(setup)
    call_command("rerun_draw", draw.pk)
    assert "OK" in capsys.readouterr().out
    result = draw.result
    result["drawn"][0]["inspectors"] = list(reversed(result["drawn"][0]["inspectors"]))
    result["drawn"][0]["name"] = "篡改"
    Draw.objects.filter(pk=draw.pk).update(result=result)
    with pytest.raises(CommandError, match=r"MISMATCH.*drawn"):
        call_command("rerun_draw", draw.pk)


def test_rerun_command_detects_changed_inputs(setup):
    draw = factories.drawn(setup)
    Draw.objects.filter(pk=draw.pk).update(inputs_json=draw.inputs_json.replace("检查员0", "检查员X"))
    with pytest.raises(CommandError, match="MISMATCH"):
        call_command("rerun_draw", draw.pk)


def test_double_submitted_draw_creates_one_draw(setup, client):
    world = setup
    client.force_login(world.users["city"])
    from inspections.models import InspectionItem

    data = with_token(
        client,
        {
            "title": "重复提交测试",
            "year": 2026,
            "scope_regions": [world.regions["210302"].pk],
            "kinds": ["private"],
            "items": [InspectionItem.objects.get(code="A01").pk],
            "ratio_percent": "5",
            "rounding": "up",
            "minimum": 1,
            "sample_size": 0,
            "inspectors_per_institution": 2,
            "avoid_own_region": "on",
            "max_load": 0,
            "recent_months": 0,
            "seed_kind": "recorded_random",
            "seed_description": "掷骰子",
            **{
                f"w_{k}": v
                for k, v in {
                    "base": 1,
                    "abnormal_operation": 2,
                    "many_complaints": 1,
                    "major_hazards": 2,
                    "dishonesty": 2,
                    "violation": 2,
                    "never_inspected": 1,
                }.items()
            },
            "t_many_complaints": 3,
            "t_major_hazards": 1,
        },
    )
    first = client.post(reverse("inspections:draw_create"), data)
    second = client.post(reverse("inspections:draw_create"), data)
    assert first.status_code == 302 and second.status_code == 302
    assert Draw.objects.filter(title="重复提交测试").count() == 1


def test_draw_form_bad_ratio_names_the_field(setup, client):
    client.force_login(setup.users["city"])
    response = client.post(reverse("inspections:draw_create"), with_token(client, {"ratio_percent": "五"}))
    assert response.status_code == 200
    assert "ratio" in response.content.decode().lower() or "比例" in response.content.decode()
    assert not Draw.objects.exists()


def test_district_reads_draws_covering_it_only(setup, client):
    world = setup
    draw = factories.drawn(world)
    client.force_login(world.users["district"])
    assert client.get(reverse("inspections:draw_detail", args=[draw.pk])).status_code == 200
    page = client.get(reverse("inspections:draw_detail", args=[draw.pk])).content.decode()
    assert 'data-testid="next-step"' not in page  # read only
    assert (
        client.post(
            reverse("inspections:draw_annul", args=[draw.pk]), with_token(client, {"reason": "x"})
        ).status_code
        == 403
    )
    client.force_login(world.users["other_district"])
    assert client.get(reverse("inspections:draw_detail", args=[draw.pk])).status_code == 404
    assert draw.title not in client.get(reverse("inspections:draws")).content.decode()


def test_district_keeps_its_own_inspectors(setup, client):
    world = setup
    client.force_login(world.users["other_district"])  # 铁西区
    page = client.get(reverse("inspections:inspectors")).content.decode()
    assert "检查员0" in page and "检查员2" not in page  # 0: 铁西区, 2: 铁东区


def _size(world, n):
    factories.more_institutions(world, n, region="210302")


# Queries per page (the header's session, user and review queues included), the same at both sizes.
EXPECTED_QUERIES = {
    "inspections:draw_detail": 9,
    "inspections:objects": 11,  # + the records' last inspection dates (one grouped query)
    "inspections:inspectors": 9,
    "inspections:items": 9,
    "inspections:draws": 9,
    "public_draws:detail": 3,  # + the concluded inspections' results (one query)
    "public_draws:list": 3,
}


@pytest.mark.parametrize("extra", [0, 20])
def test_pages_run_constant_queries(world, client, django_assert_num_queries, extra):
    factories.directories(world)
    factories.more_institutions(world, 3 + extra)
    for n in range(extra // 4):
        factories.inspector(world.regions["210303"], name=f"加{n}", n=200 + n)
    draw = factories.drawn(world)
    if extra:
        factories.drawn(world, seed="another")
    client.force_login(world.users["city"])
    client.get(reverse("inspections:draws"))
    for name, args in (
        ("inspections:draw_detail", [draw.pk]),
        ("inspections:objects", []),
        ("inspections:inspectors", []),
        ("inspections:items", []),
        ("inspections:draws", []),
    ):
        with django_assert_num_queries(EXPECTED_QUERIES[name]):
            assert client.get(reverse(name, args=args)).status_code == 200
    client.logout()
    for name, args in (("public_draws:detail", [draw.pk]), ("public_draws:list", [])):
        with django_assert_num_queries(EXPECTED_QUERIES[name]):
            assert client.get(reverse(name, args=args)).status_code == 200


def _draw_post(world, **changes):
    """A complete new-draw form, with `changes`."""
    from inspections.models import InspectionItem

    data = {
        "title": "表单测试",
        "year": 2026,
        "scope_regions": [world.regions["210302"].pk],
        "kinds": ["private"],
        "items": [InspectionItem.objects.get(code="A01").pk],
        "ratio_percent": "5",
        "rounding": "up",
        "minimum": 1,
        "sample_size": 0,
        "inspectors_per_institution": 2,
        "avoid_own_region": "on",
        "max_load": 0,
        "recent_months": 0,
        "seed_kind": "lottery",
        "seed_description": "某彩票某期开奖号码",
        "t_many_complaints": 3,
        "t_major_hazards": 1,
        **{f"w_{k}": v for k, v in algo.DEFAULT_WEIGHTS.items()},
    }
    data.update(changes)
    return {k: v for k, v in data.items() if v is not None}


PAST = "The seed must be unknown at the freeze: choose today or a later date."
MISSING = "Give the date the published value becomes known."


@pytest.mark.parametrize(
    "kind, day, errors",
    [
        ("lottery", -1, [PAST]),  # a past date was filled in: only the true error
        ("published_figure", -30, [PAST]),
        ("recorded_random", -1, [PAST]),
        ("lottery", None, [MISSING]),  # left empty: the date is asked for
        ("published_figure", None, [MISSING]),
        ("lottery", "not a date", None),  # unreadable: Django's own message, alone
        ("lottery", 0, []),
        ("recorded_random", None, []),
    ],
)
def test_draw_form_says_one_true_error_about_the_seed_day(setup, client, kind, day, errors):
    from django.utils.translation import gettext

    client.force_login(setup.users["city"])
    if isinstance(day, int):
        day = (dates.today() + datetime.timedelta(days=day)).isoformat()
    response = client.post(
        reverse("inspections:draw_create"),
        with_token(client, _draw_post(setup, seed_kind=kind, seed_available_on=day)),
    )
    if errors == []:
        assert response.status_code == 302
        return
    assert response.status_code == 200
    found = response.context["form"].errors["seed_available_on"]
    assert len(found) == 1
    if errors:
        assert found == [gettext(errors[0])]
        assert found[0] in response.content.decode()
    assert not Draw.objects.filter(title="表单测试").exists()


@pytest.mark.parametrize(
    "kind, day, errors",
    [("lottery", -1, [PAST]), ("lottery", None, [MISSING]), ("recorded_random", None, [])],
)
def test_redraw_form_says_the_same_about_the_seed_day(setup, client, kind, day, errors):
    from django.utils.translation import gettext

    world = setup
    draw = factories.drawn(world)
    services.annul(draw, reason="名录有误", by=world.users["city"])
    client.force_login(world.users["city"])
    data = {"seed_kind": kind, "seed_description": "重新抽取"}
    if day is not None:
        data["seed_available_on"] = (dates.today() + datetime.timedelta(days=day)).isoformat()
    response = client.post(reverse("inspections:draw_redraw", args=[draw.pk]), with_token(client, data))
    if not errors:
        assert response.status_code == 302
        return
    assert response.status_code == 400
    assert response.context["redraw_form"].errors["seed_available_on"] == [gettext(errors[0])]
    assert not Draw.objects.filter(redraw_of=draw).exists()


def test_the_seed_source_defaults_to_a_value_drawn_in_public(setup, client):
    """A city's first draw needs nothing from outside: dice before witnesses (decision in the notes)."""
    client.force_login(setup.users["city"])
    page = client.get(reverse("inspections:draw_create")).content.decode()
    select = page[page.index('name="seed_kind"') : page.index("</select>", page.index('name="seed_kind"'))]
    assert select.index('value="recorded_random"') < select.index('value="lottery"')
    assert 'value="recorded_random" selected' in select
    assert 'value="lottery" selected' not in select
