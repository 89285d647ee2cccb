"""The date a legal-person code was entered in the national system (items 13 and 14): the model's
rules, the record form, the detail page, the Excel import and export, the demo."""

import datetime
import io
import random

import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse
from django.utils.text import capfirst

from campaign.indicators import compute
from institutions import excel, uscc
from institutions.demo import load_demo_institutions
from institutions.forms import InstitutionForm
from institutions.models import REGISTERED_LEGAL_PERSON, Area, Institution, LegalPersonStatus, Nature
from tests.institutions.excel_helpers import FIELDS, label, problems_by_place, read, row, workbook
from tests.institutions.factories import valid_institution
from tests.institutions.test_registry import form_data

D = datetime.date
RURAL_FACILITY = {"nature": Nature.PUBLIC, "is_special_hardship": True, "area": "rural"}


@pytest.fixture
def tiedong(world):
    return world.regions["210302"]


def facility(region, name, status=LegalPersonStatus.INDEPENDENT, save=True, **fields):
    return valid_institution(region, name, save=save, **RURAL_FACILITY, legal_person_status=status, **fields)


def errors_of(institution) -> dict:
    with pytest.raises(ValidationError) as caught:
        institution.full_clean()
    return caught.value.message_dict


# The model's rules ---------------------------------------------------------------------------------


def test_a_date_needs_the_code_marked_as_entered(tiedong):
    errors = errors_of(facility(tiedong, "甲敬老院", save=False, legal_code_entered_on=D(2020, 11, 1)))
    assert list(errors) == ["legal_code_entered"]


@pytest.mark.parametrize("status", [LegalPersonStatus.PENDING, LegalPersonStatus.CONVERTED])
def test_only_a_registered_facility_has_a_date_of_entry(tiedong, status):
    institution = facility(
        tiedong, "甲敬老院", status, save=False, legal_code_entered=True, legal_code_entered_on=D(2020, 11, 1)
    )
    assert list(errors_of(institution)) == ["legal_code_entered_on"]


def test_an_ordinary_institution_has_no_date_of_entry(tiedong):
    institution = valid_institution(
        tiedong, "民办院", save=False, legal_code_entered=True, legal_code_entered_on=D(2020, 11, 1)
    )
    assert list(errors_of(institution)) == ["legal_code_entered_on"]


def test_registered_facilities_record_the_date_and_an_entry_may_lack_it(tiedong):
    head = facility(tiedong, "总院", legal_code_entered=True, legal_code_entered_on=D(2020, 11, 30))
    branch = facility(
        tiedong,
        "分院",
        LegalPersonStatus.BRANCH,
        parent=head,
        credit_code=head.credit_code,
        legal_code_entered=True,
        legal_code_entered_on=D(2020, 12, 2),
    )
    undated = facility(tiedong, "未填日期", legal_code_entered=True)
    assert (head.legal_code_entered_on, branch.legal_code_entered_on) == (D(2020, 11, 30), D(2020, 12, 2))
    assert undated.legal_code_entered and undated.legal_code_entered_on is None


# The record form and the detail page -----------------------------------------------------------------


def test_the_form_takes_the_date_as_a_date_input_next_to_the_tick_box(world, tiedong):
    form = InstitutionForm(user=world.users["district"])
    # typed as YYYY-MM-DD whatever the browser's language (core.widgets.ISODateInput)
    widget = form.fields["legal_code_entered_on"].widget
    assert widget.input_type == "text" and widget.attrs.get("placeholder") == "YYYY-MM-DD"
    legends = {name: legend for legend, fields in form.fieldsets() for name in (f.name for f in fields)}
    assert legends["legal_code_entered_on"] == legends["legal_code_entered"]


def test_the_form_saves_the_date_and_names_the_field_of_a_contradiction(world, tiedong):
    institution = facility(tiedong, "甲敬老院")
    user = world.users["district"]
    form = InstitutionForm(
        form_data(institution, legal_code_entered="on", legal_code_entered_on="2020-11-30"),
        instance=institution,
        user=user,
    )
    assert form.is_valid(), form.errors
    form.save()
    institution.refresh_from_db()
    assert institution.legal_code_entered_on == D(2020, 11, 30)

    contradiction = InstitutionForm(
        form_data(institution, legal_code_entered=False, legal_code_entered_on="2020-11-30"),
        instance=Institution.objects.get(pk=institution.pk),
        user=user,
    )
    assert not contradiction.is_valid()
    assert "legal_code_entered" in contradiction.errors


def test_the_detail_page_shows_the_date(client, world, tiedong):
    institution = facility(
        tiedong, "甲敬老院", legal_code_entered=True, legal_code_entered_on=D(2020, 11, 12)
    )
    client.force_login(world.users["district"])
    page = client.get(reverse("institutions:detail", args=[institution.pk])).content.decode()
    assert "2020-11-12" in page
    assert capfirst(str(Institution._meta.get_field("legal_code_entered_on").verbose_name)) in page


# Import and export ---------------------------------------------------------------------------------


def facility_row(name, n, **cells):
    """A rural special-hardship facility registered as an independent legal person, as a row."""
    return row(
        name,
        credit_code=uscc.generate(authority="5", org_type="2", division="210302", rng=random.Random(n)),
        nature=label(Nature, Nature.PUBLIC),
        is_special_hardship="是",
        area=label(Area, Area.RURAL),
        legal_person_status=label(LegalPersonStatus, LegalPersonStatus.INDEPENDENT),
        **cells,
    )


def test_the_template_has_the_date_column_after_the_tick_box():
    assert FIELDS.index("legal_code_entered_on") == FIELDS.index("legal_code_entered") + 1
    assert excel.BY_FIELD["legal_code_entered_on"].kind == excel.DATE


def test_import_reads_the_date_and_refuses_contradictions_by_row_and_column(world):
    district = world.users["district"]
    data = workbook(
        facility_row("甲敬老院", 1, legal_code_entered="是", legal_code_entered_on=D(2020, 11, 30)),  # row 2
        facility_row("乙敬老院", 2, legal_code_entered="是", legal_code_entered_on="2020-12-01"),  # 3
        facility_row("丙敬老院", 3, legal_code_entered="否", legal_code_entered_on=D(2020, 11, 1)),  # 4
        row("铁东区民办院", legal_code_entered="是", legal_code_entered_on=D(2020, 11, 1)),  # 5
        facility_row("丁敬老院", 4, legal_code_entered_on="十一月"),  # 6
    )
    result = excel.check_workbook(data, district)
    assert set(problems_by_place(result)) == {
        (4, "legal_code_entered"),
        (5, "legal_code_entered_on"),
        (6, "legal_code_entered_on"),
    }

    good = workbook(
        facility_row("甲敬老院", 1, legal_code_entered="是", legal_code_entered_on=D(2020, 11, 30)),
        facility_row("乙敬老院", 2, legal_code_entered="是", legal_code_entered_on="2020-12-01"),
    )
    batch = excel.create_batch(file=good, user=district, original_name="敬老院.xlsx")
    assert batch.errors == []
    excel.apply_batch(batch, district)
    dates = dict(
        Institution.objects.filter(is_special_hardship=True).values_list("name", "legal_code_entered_on")
    )
    assert dates == {"甲敬老院": D(2020, 11, 30), "乙敬老院": D(2020, 12, 1)}


def test_export_writes_the_date_and_imports_back_unchanged(world, tiedong):
    district = world.users["district"]
    facility(tiedong, "甲敬老院", legal_code_entered=True, legal_code_entered_on=D(2020, 11, 30))
    facility(tiedong, "乙敬老院", legal_code_entered=True)  # entered, no date
    queryset = Institution.objects.visible_to(district)
    book = read(excel.export_workbook(queryset))
    rows = [
        dict(zip([*FIELDS, "suspended"], values, strict=True))
        for values in book[excel.SHEET].iter_rows(min_row=2, values_only=True)
    ]
    exported = {r["name"]: r["legal_code_entered_on"] for r in rows}
    assert exported["甲敬老院"].date() == D(2020, 11, 30)
    assert exported["乙敬老院"] is None

    batch = excel.create_batch(file=excel.export_workbook(queryset), user=district, original_name="导出.xlsx")
    assert batch.errors == []
    assert batch.summary["counts"]["create"] == batch.summary["counts"]["update"] == 0

    # A date changed in the exported sheet is an update of that column only.
    sheet = book[excel.SHEET]
    column = FIELDS.index("legal_code_entered_on") + 1
    target = next(r for r in range(2, sheet.max_row + 1) if sheet.cell(row=r, column=1).value == "甲敬老院")
    sheet.cell(row=target, column=column).value = datetime.datetime(2020, 12, 3)
    output = io.BytesIO()
    book.save(output)
    batch = excel.create_batch(file=output.getvalue(), user=district, original_name="改日期.xlsx")
    assert batch.errors == []
    changed = [(e["name"], e["changes"]) for e in batch.summary["plan"] if e["action"] == "update"]
    assert changed == [("甲敬老院", [excel.BY_FIELD["legal_code_entered_on"].header])]
    excel.apply_batch(batch, district)
    assert Institution.objects.get(name="甲敬老院").legal_code_entered_on == D(2020, 12, 3)


def test_a_workbook_without_the_date_column_leaves_recorded_dates_alone(world, tiedong):
    """A workbook made from the template before the column existed still imports; it neither
    clears nor needs the date."""
    district = world.users["district"]
    facility(tiedong, "甲敬老院", legal_code_entered=True, legal_code_entered_on=D(2020, 11, 30))
    book = read(excel.export_workbook(Institution.objects.visible_to(district)))
    sheet = book[excel.SHEET]
    sheet.delete_cols(FIELDS.index("legal_code_entered_on") + 1)
    target = next(r for r in range(2, sheet.max_row + 1) if sheet.cell(row=r, column=1).value == "甲敬老院")
    sheet.cell(row=target, column=FIELDS.index("beds") + 1 - 1).value = 120  # one column to the left now
    output = io.BytesIO()
    book.save(output)
    batch = excel.create_batch(file=output.getvalue(), user=district, original_name="旧模板.xlsx")
    assert batch.errors == []
    excel.apply_batch(batch, district)
    institution = Institution.objects.get(name="甲敬老院")
    assert (institution.beds, institution.legal_code_entered_on) == (120, D(2020, 11, 30))


# The demo ------------------------------------------------------------------------------------------


def test_demo_dates_lie_before_on_and_after_the_milestone(regions, campaign):
    load_demo_institutions()
    registered = Institution.objects.operating().filter(
        is_special_hardship=True, area="rural", legal_person_status__in=REGISTERED_LEGAL_PERSON
    )
    dates = [d for d in registered.values_list("legal_code_entered_on", flat=True) if d]
    milestone = D(2020, 11, 30)
    assert any(d < milestone for d in dates) and milestone in dates and any(d > milestone for d in dates)
    assert registered.filter(legal_code_entered=True, legal_code_entered_on__isnull=True).exists()
    assert not Institution.objects.filter(
        legal_code_entered=False, legal_code_entered_on__isnull=False
    ).exists()
    haicheng = regions["210381"]
    result = compute(campaign, haicheng, 14)
    assert result.figure("entered_late").value >= 1
    assert result.figure("entered_undated").value >= 1
    assert result.met is False
