"""The institutions, checklist answers' and indicators' API endpoints' entries of the URL sweep
(tests/test_url_sweep.py reads `specs`). The answers' and indicators' names exist once
config/api_urls.py calls `campaign.api.register`."""

from campaign import answers
from campaign.models import ItemAnswer

READERS = {"city", "district", "other_district", "admin"}
OWN_UNIT = {"city", "district", "admin"}  # who reaches an object of 铁东区


def _pk(name):
    return lambda w: {"pk": getattr(w, name).pk}


def _answer(w, region, submitted=False) -> dict:
    status = ItemAnswer.Status.SUBMITTED if submitted else ItemAnswer.Status.DRAFT
    item = w.campaign.items.get(number=4) if region.code.startswith("2103") else None
    if item is None:  # 中山区 answers 大连's campaign; an item of Anshan's will do for scoping
        item = w.campaign.items.get(number=4)
    # update_or_create: the overflow sweep builds every entry's objects in one database
    answer, _created = ItemAnswer.objects.update_or_create(
        item=item, region=region, defaults={"status": status, "narrative": "已自查"}
    )
    return {"pk": answer.pk}


def _own_answer(w):
    return _answer(w, w.regions["210302"])


def _foreign_answer(w):
    return _answer(w, w.foreign_region)


def _own_submitted(w):
    return _answer(w, w.regions["210302"], submitted=True)


def _foreign_submitted(w):
    return _answer(w, w.foreign_region, submitted=True)


def specs(Spec, ALL_STAFF) -> dict:
    assert answers  # the rules the entries exercise: campaign.answers
    return {
        "api:institution-list": Spec(roles=READERS),
        "api:institution-detail": Spec(
            roles=OWN_UNIT | {"institution"}, own=_pk("own_institution"), foreign=_pk("foreign_institution")
        ),
        "api:institution-history": Spec(
            roles=OWN_UNIT | {"institution"}, own=_pk("own_institution"), foreign=_pk("foreign_institution")
        ),
        "api:answer-list": Spec(roles=READERS),
        "api:answer-detail": Spec(roles=OWN_UNIT, own=_own_answer, foreign=_foreign_answer),
        # a POST without a version: 400 (the district's submit); the city accepts a submitted answer
        "api:answer-submit": Spec(
            roles={"district"}, method="post", ok=(400,), own=_own_answer, foreign=_foreign_answer
        ),
        "api:answer-accept": Spec(
            roles={"city"}, method="post", ok=(200,), own=_own_submitted, foreign=_foreign_submitted
        ),
        "api:answer-return": Spec(
            roles={"city"}, method="post", ok=(400,), own=_own_submitted, foreign=_foreign_submitted
        ),
        "api:answer-reopen": Spec(
            roles={"city"}, method="post", ok=(400,), own=_own_submitted, foreign=_foreign_submitted
        ),
        "api:indicator-list": Spec(roles=READERS),
    }
