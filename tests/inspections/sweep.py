"""The inspections pages' entries of the URL sweep (tests/test_url_sweep.py reads `specs`)."""

from inspections.models import ChecklistPoint
from tests.inspections import factories


def _draw(status):
    def build(w):
        factories.directories(w)
        if status == "drawn":
            return {"pk": factories.drawn(w).pk}
        draw = factories.draft(w)
        if status == "frozen":
            from inspections import services

            services.freeze(draw, by=w.users["city"])
        return {"pk": draw.pk}

    return build


def _foreign_draw(w):
    """A draw of 大连市 (no Anshan viewer's scope); a draft, so it is not public either."""
    from inspections.models import Draw

    dalian = w.foreign_region.parent
    draw = Draw.objects.create(
        region=dalian,
        title="大连市抽查",
        year=2026,
        kinds=["private"],
        ratio_percent="5",
        seed_kind="recorded_random",
        seed_description="掷骰子",
        created_by=w.users["admin"],
    )
    draw.scope_regions.set([w.foreign_region])
    return {"pk": draw.pk}


def _own_inspector(w):
    return {"pk": factories.inspector(w.regions["210302"]).pk}


def _foreign_inspector(w):
    return {"pk": factories.inspector(w.foreign_region, n=9).pk}


def _item(w):
    factories.directories(w, inspectors=0)
    from inspections.models import InspectionItem

    return {"pk": InspectionItem.objects.get(code="A01").pk}


def _foreign_item(w):
    from inspections.models import InspectionItem

    item, _new = InspectionItem.objects.get_or_create(
        region=w.foreign_region.parent,
        code="X01",
        defaults={"name": "大连事项", "legal_basis": "…", "department": "civil_affairs"},
    )
    return {"pk": item.pk}


def _point(w):
    return {"pk": ChecklistPoint.objects.filter(item_id=_item(w)["pk"]).first().pk}


def _foreign_point(w):
    from inspections.models import InspectionItem

    item = InspectionItem.objects.get(pk=_foreign_item(w)["pk"])
    point, _new = ChecklistPoint.objects.get_or_create(
        item=item, number=1, defaults={"text": "…", "category": "fire"}
    )
    return {"pk": point.pk}


def _record(institution_attr):
    def build(w):
        from core import dates
        from inspections import records
        from inspections.models import InspectionItem

        factories.directories(w, inspectors=0)
        institution = getattr(w, institution_attr)
        from inspections.models import Inspection

        found = Inspection.objects.filter(institution=institution).first()
        if found is None:
            found = Inspection.objects.create(
                institution=institution,
                region_id=institution.region_id,
                kind="routine",
                inspected_on=dates.today(),
                created_by=w.users["admin"],
            )
            found.items.set(InspectionItem.objects.filter(code="A01", region=w.regions["210300"]))
            from inspections.models import Finding

            point = ChecklistPoint.objects.filter(item__code="A01").first()
            Finding.objects.create(inspection=found, point=point)
        del records
        return {"pk": found.pk}

    return build


def _finding(institution_attr):
    def build(w):
        from inspections.models import Finding

        return {"pk": Finding.objects.filter(inspection_id=_record(institution_attr)(w)["pk"]).first().pk}

    return build


def _drawn(w):
    from inspections.models import DrawnInstitution

    factories.directories(w)
    row = DrawnInstitution.objects.filter(draw_id=_draw("drawn")(w)["pk"]).first()
    return {"pk": row.draw_id, "institution": row.institution_id}


def _foreign_drawn(w):
    from inspections.models import DrawnInstitution

    draw_pk = _foreign_draw(w)["pk"]
    row, _new = DrawnInstitution.objects.get_or_create(
        draw_id=draw_pk, institution=w.foreign_institution, defaults={"rank": 1, "weight": 1}
    )
    return {"pk": row.draw_id, "institution": row.institution_id}


def specs(Spec, all_staff) -> dict:
    staff = {"city", "district", "other_district", "admin"}
    city = {"city"}
    readers_of_own = {"city", "district", "admin"}  # a 铁东区 draw: the city and 铁东区
    return {
        "inspections:items": Spec(roles=staff),
        "inspections:item_create": Spec(roles=city),
        "inspections:item_edit": Spec(roles=city, own=_item, foreign=_foreign_item),
        "inspections:point_add": Spec(roles=city, method="post", ok=(400,), own=_item, foreign=_foreign_item),
        "inspections:point_delete": Spec(
            roles=city, method="post", ok=(302,), own=_point, foreign=_foreign_point
        ),
        "inspections:inspectors": Spec(roles=staff),
        "inspections:inspector_create": Spec(roles={"city", "district", "other_district"}),
        "inspections:inspector_edit": Spec(
            roles={"city", "district"}, own=_own_inspector, foreign=_foreign_inspector
        ),
        "inspections:objects": Spec(roles=staff),
        "inspections:draws": Spec(roles=staff),
        "inspections:draw_create": Spec(roles=city),
        "inspections:draw_detail": Spec(roles=readers_of_own, own=_draw("drawn"), foreign=_foreign_draw),
        "inspections:draw_freeze": Spec(
            roles=city, method="post", ok=(302,), own=_draw("draft"), foreign=_foreign_draw
        ),
        "inspections:draw_seed": Spec(
            roles=city, method="post", ok=(400,), own=_draw("frozen"), foreign=_foreign_draw
        ),
        "inspections:draw_run": Spec(
            roles=city, method="post", ok=(302,), own=_draw("draft"), foreign=_foreign_draw
        ),
        "inspections:draw_annul": Spec(
            roles=city, method="post", ok=(400,), own=_draw("drawn"), foreign=_foreign_draw
        ),
        "inspections:draw_redraw": Spec(
            roles=city, method="post", ok=(400,), own=_draw("drawn"), foreign=_foreign_draw
        ),
        "inspections:filing_checks": Spec(roles=staff),
        "inspections:records": Spec(
            roles={"city", "district", "other_district", "admin", "institution", "department"}
        ),
        "inspections:record_create": Spec(roles={"city", "district", "other_district"}),
        "inspections:record_detail": Spec(
            roles=readers_of_own, own=_record("own_institution"), foreign=_record("foreign_institution")
        ),
        "inspections:record_print": Spec(
            roles=readers_of_own, own=_record("own_institution"), foreign=_record("foreign_institution")
        ),
        "inspections:record_conclude": Spec(
            roles={"city", "district"},
            method="post",
            ok=(400,),
            own=_record("own_institution"),
            foreign=_record("foreign_institution"),
        ),
        "inspections:record_from_drawn": Spec(
            roles={"city", "district"}, method="post", ok=(302,), own=_drawn, foreign=_foreign_drawn
        ),
        "inspections:finding_save": Spec(
            roles={"city", "district"},
            method="post",
            ok=(400,),
            own=_finding("own_institution"),
            foreign=_finding("foreign_institution"),
        ),
        "inspections:finding_hazard": Spec(
            roles={"district"},
            method="post",
            ok=(400,),
            own=_finding("own_institution"),
            foreign=_finding("foreign_institution"),
        ),
        "inspections:finding_notice": Spec(
            roles={"district"},
            method="post",
            ok=(400,),
            own=_finding("own_institution"),
            foreign=_finding("foreign_institution"),
        ),
        "public_draws:list": Spec(public=True, public_names=True),
        "public_draws:detail": Spec(
            public=True, public_names=True, own=_draw("drawn"), foreign=_foreign_draw
        ),
        "public_draws:document": Spec(
            public=True, public_names=True, own=_draw("drawn"), foreign=_foreign_draw
        ),
        "public_draws:file": Spec(
            public=True, own=lambda w: {"name": "draw.py"}, foreign=lambda w: {"name": "settings.py"}
        ),
    }
