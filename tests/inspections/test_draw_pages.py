"""The directories' and draws' pages: lifecycle, history, publication without private fields, the
re-run command, constant queries and double submits."""

import datetime
import json
import re

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
    "inspections:draw_detail": 10,  # + the 停业整顿 badge's ids beside the drawn institutions
    # + the records' last inspection dates (one grouped query); issue 17: complaints, credit standing,
    # enforcement orders of the period, suspension orders in force, the 停业整顿 badge's ids
    "inspections:objects": 16,
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


# The directories' pages ------------------------------------------------------------------------


def _rows(page, testid):
    """The <tr> elements of the table `testid`, as text."""
    table = page[page.index(f'data-testid="{testid}"') :]
    table = table[: table.index("</table>")]
    return table.split("<tr")[2:]  # [0] before thead's row, [1] the header row


def test_objects_directory_says_never_inspected_only_without_records(setup, client, monkeypatch):
    from django.utils.translation import gettext

    from inspections import directory
    from institutions.models import Institution

    none = gettext(
        "None of these institutions has an inspection record yet, so every one counts as never inspected."
    )
    some = gettext(
        "Last inspected is the date of the institution's latest inspection record; an institution without one counts as never inspected."
    )
    client.force_login(setup.users["city"])
    page = client.get(reverse("inspections:objects")).content.decode()
    assert none in page and some not in page

    first = Institution.objects.operating().order_by("pk").first()
    monkeypatch.setattr(directory, "last_inspected_on", lambda ids: {first.pk: datetime.date(2025, 8, 20)})
    page = client.get(reverse("inspections:objects")).content.decode()
    assert some in page and none not in page
    assert "2025-08-20" in page

    # A district user sees only its own institutions: the sentence follows what it sees.
    client.force_login(setup.users["other_district"])
    page = client.get(reverse("inspections:objects")).content.decode()
    if first.region != setup.users["other_district"].region:
        assert none in page and some not in page


@pytest.mark.parametrize(
    "url, testid, title_cell",
    [("inspections:objects", "objects", "institution"), ("inspections:inspectors", "inspectors", "name")],
)
def test_directories_are_cards_on_a_phone(setup, client, url, testid, title_cell):
    client.force_login(setup.users["city"])
    page = client.get(reverse(url)).content.decode()
    table_tag = page[
        page.rindex("<table", 0, page.index(f'data-testid="{testid}"')) : page.index(
            f'data-testid="{testid}"'
        )
    ]
    assert "table-cards" in table_tag
    rows = _rows(page, testid)
    assert len(rows) >= 2
    for row in rows:
        cells = row.split("<td")[1:]
        assert sum("card-title" in c.split(">")[0] for c in cells) == 1
        # every cell shown on the card says what it is, except the title, its aside and a link
        for cell in cells:
            tag = cell.split(">")[0]
            if not any(k in tag for k in ("card-title", "card-aside", "card-hide", "data-label")):
                assert "<a " in cell and "data-label" not in tag, cell


def test_departments_read_the_same_on_every_page(setup, client):
    """民政部门 on the items list, the inspectors directory, the forms, the draft, the frozen and the
    public draw pages alike (the frozen inputs' wording, `directory.DEPARTMENT_NAMES`)."""
    from inspections.directory import DEPARTMENT_NAMES

    world = setup
    client.force_login(world.users["city"])
    inspectors = client.get(reverse("inspections:inspectors")).content.decode()
    assert "民政部门" in inspectors and ">民政<" not in inspectors
    assert DEPARTMENT_NAMES["emergency"] in inspectors
    items = client.get(reverse("inspections:items")).content.decode()
    assert "民政部门" in items
    for form_url in (reverse("inspections:inspector_create"), reverse("inspections:item_create")):
        form = client.get(form_url).content.decode()
        for name in DEPARTMENT_NAMES.values():
            assert f">{name}</option>" in form, (form_url, name)
    draw = factories.draft(world)
    draft_page = client.get(reverse("inspections:draw_detail", args=[draw.pk])).content.decode()
    method = draft_page[draft_page.index('data-testid="method"') :]
    assert "民政部门" in method and "（民政）" not in method
    services.freeze(draw, by=world.users["city"])
    for url in (
        reverse("inspections:draw_detail", args=[draw.pk]),
        reverse("public_draws:detail", args=[draw.pk]),
    ):
        assert "民政部门" in client.get(url).content.decode()


def test_market_regulation_has_the_long_name_everywhere():
    """The draws' fixed names are the catalogue's names of `core.roles.Department` (the record
    page's written notices), once the catalogue is compiled."""
    from django.utils import translation

    from core.roles import Department
    from inspections.directory import DEPARTMENT_NAMES

    with translation.override("zh-hans"):
        for department in Department:
            label = str(department.label)
            if label != translation.gettext_noop(label) or not label.isascii():
                assert DEPARTMENT_NAMES[department.value] == label, department
    assert DEPARTMENT_NAMES["market"] == "市场监督管理部门"


def test_inspector_form_conflicts_are_checkboxes_by_region_then_name(setup, client):
    from django.utils.translation import gettext

    from inspections.forms import InspectorForm
    from inspections.models import Conflict, Inspector
    from institutions.models import Institution

    world = setup
    client.force_login(world.users["city"])
    page = client.get(reverse("inspections:inspector_create")).content.decode()
    assert '<select name="conflict_institutions"' not in page
    assert (
        page.count('type="checkbox" name="conflict_institutions"')
        == Institution.objects.visible_to(world.users["city"]).count()
    )
    assert "choice-group" in page  # core/_field.html's scrolling box of form-checks
    form = InspectorForm(user=world.users["city"])
    labels = [str(label) for _value, label in form.fields["conflict_institutions"].choices]
    institutions = list(Institution.objects.visible_to(world.users["city"]).select_related("region"))
    expected = sorted(institutions, key=lambda i: (i.region.code, i.name))
    assert labels == [f"{i.name}（{i.region.name}）" for i in expected]
    assert str(form.fields["name"].label) == gettext("Full name")
    assert f">{gettext('Full name')}" in page

    # Saved from two ticked boxes; the edit page ticks them again.
    chosen = expected[:2]
    data = {
        "name": "赵敏",
        "department": "civil_affairs",
        "region": world.regions["210303"].pk,
        "certificate_number": "LN-ZF-NEW-1",
        "phone": "",
        "active": "on",
        "conflict_institutions": [i.pk for i in chosen],
    }
    assert client.post(reverse("inspections:inspector_create"), with_token(client, data)).status_code == 302
    made = Inspector.objects.get(certificate_number="LN-ZF-NEW-1")
    assert set(Conflict.objects.filter(inspector=made).values_list("institution_id", flat=True)) == {
        i.pk for i in chosen
    }
    edit = client.get(reverse("inspections:inspector_edit", args=[made.pk])).content.decode()
    assert edit.count("checked") >= 3  # two conflicts and 在岗


def test_district_inspector_form_offers_its_own_institutions_only(setup, client):
    from inspections.forms import InspectorForm
    from institutions.models import Institution

    user = setup.users["district"]
    form = InspectorForm(user=user)
    offered = {value.value for value, _label in form.fields["conflict_institutions"].choices}
    assert offered == set(Institution.objects.visible_to(user).values_list("pk", flat=True))
    assert all(
        f"（{user.region.name}）" in str(label) for _v, label in form.fields["conflict_institutions"].choices
    )


# The draw page ---------------------------------------------------------------------------------


def test_every_history_line_has_its_time(setup, client):
    world = setup
    draw = factories.drawn(world)
    client.force_login(world.users["city"])
    page = client.get(reverse("inspections:draw_detail", args=[draw.pk])).content.decode()
    from django.utils import timezone

    for who, when in (
        (draw.created_by, draw.created_at),
        (draw.frozen_by, draw.frozen_at),
        (draw.drawn_by, draw.drawn_at),
    ):
        stamp = timezone.localtime(when).strftime("%Y-%m-%d %H:%M")
        assert f"{who.full_name} 于 {stamp}" in page or f"{who.full_name}, {stamp}" in page, (who, stamp)
    services.annul(draw, reason="名录有误", by=world.users["city"])
    draw.refresh_from_db()
    page = client.get(reverse("inspections:draw_detail", args=[draw.pk])).content.decode()
    footer = page[page.rindex('<p class="small text-secondary">') :]
    lines = [line for line in footer[: footer.index("</p>")].split(">", 1)[1].splitlines() if line.strip()]
    assert len(lines) == 4  # created, frozen, drawn, annulled
    for line in lines:
        assert re.search(r"\d{4}-\d\d-\d\d \d\d:\d\d", line), line
    assert world.users["city"].full_name in lines[1] and world.users["city"].full_name in lines[3]


def _form_tag(page, action):
    start = page.index(f'action="{action}"')
    return page[page.rindex("<form", 0, start) : page.index(">", start)]


def test_freeze_and_annul_ask_before_they_submit(setup, client):
    """static/js/portal.js asks on a <form data-confirm>; the sentence says what cannot be undone."""
    world = setup
    client.force_login(world.users["city"])
    draft = factories.draft(world)
    page = client.get(reverse("inspections:draw_detail", args=[draft.pk])).content.decode()
    for action in (
        reverse("inspections:draw_freeze", args=[draft.pk]),
        reverse("inspections:draw_annul", args=[draft.pk]),
    ):
        tag = _form_tag(page, action)
        assert 'data-confirm="' in tag, tag
        assert len(tag.split('data-confirm="')[1].split('"')[0]) > 20
    drawn = factories.drawn(world, title="已抽取")
    page = client.get(reverse("inspections:draw_detail", args=[drawn.pk])).content.decode()
    assert 'data-confirm="' in _form_tag(page, reverse("inspections:draw_annul", args=[drawn.pk]))


@pytest.mark.parametrize("who", ["city", "district"])
def test_drawn_list_comes_before_the_folded_method_once_drawn(setup, client, who):
    world = setup
    draw = factories.drawn(world)
    client.force_login(world.users[who])
    page = client.get(reverse("inspections:draw_detail", args=[draw.pk])).content.decode()
    assert page.index('data-testid="drawn"') < page.index('data-testid="method"')
    method = page[
        page.rindex("<", 0, page.index('data-testid="method"')) : page.index('data-testid="method"')
    ]
    assert method.startswith("<details") and " open" not in method
    # The public page keeps the method open.
    public = client.get(reverse("public_draws:detail", args=[draw.pk])).content.decode()
    tag = public[
        public.rindex("<", 0, public.index('data-testid="method"')) : public.index('data-testid="method"')
    ]
    assert tag.startswith("<section")


def test_the_method_stays_open_before_the_draw(setup, client):
    world = setup
    draw = services.freeze(factories.draft(world), by=world.users["city"])
    client.force_login(world.users["city"])
    page = client.get(reverse("inspections:draw_detail", args=[draw.pk])).content.decode()
    tag = page[page.rindex("<", 0, page.index('data-testid="method"')) : page.index('data-testid="method"')]
    assert tag.startswith("<section") and 'data-testid="drawn"' not in page
