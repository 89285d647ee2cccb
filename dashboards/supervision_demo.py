"""The demo's comprehensive-supervision records (issue 17), so that every card of 综合监管 and every
list has something to show (`load_demo_supervision`, called by `manage.py load_demo`; a second call
adds nothing). Dates are relative to today (Asia/Shanghai): the half-year, the 30-day expiry window
and the complaint's deadline read the same way whenever the demo is loaded.

Invented people and numbers: names, phone and ID numbers are placeholders (the ID numbers are valid
in shape only, built with a check digit over an invented sequence), not real persons.
"""

import datetime

from django.utils import timezone
from stdnum.cn import ric

from accounts.models import User
from complaints import services as complaints
from complaints.models import Complaint
from core import dates
from credit.models import CreditRecord
from emergencies import services as emergencies
from emergencies.models import Incident
from enforcement.models import EnforcementOrder
from fireacceptance.models import Case
from institutions.models import Institution
from licences.models import KIND_DEPARTMENT, Licence
from staff import services as staff_services
from staff.models import Ban, Qualification, StaffMember
from trainings.models import Training

KANGLE = "铁东区康乐老年公寓"
YIKANG = "铁东区颐康护理院"
FULE = "铁东区站前福乐养老院"
XIANGHE = "铁东区祥和养老院"


def _id(seq: str, birth: str = "19700301") -> str:
    first17 = f"210302{birth}{seq}"
    return first17 + ric.calc_check_digit(first17 + "0")


def load_demo_supervision() -> bool:
    """Load the records once (skipped when any complaint exists); True when loaded."""
    if Complaint.objects.exists() or not Institution.objects.filter(name=KANGLE).exists():
        return False
    today = dates.today()
    day = datetime.timedelta(days=1)
    by = {u.username: u for u in User.objects.filter(username__in=["tiedong", "kangle", "city"])}
    district, kangle_user = by["tiedong"], by["kangle"]
    place = {i.name: i for i in Institution.objects.filter(name__in=[KANGLE, YIKANG, FULE, XIANGHE])}
    kangle, yikang, fule, xianghe = (place[n] for n in (KANGLE, YIKANG, FULE, XIANGHE))

    # 投诉举报: one taken by phone this week (open), one from the 12345 hotline last month (closed)
    open_one = complaints.complaint_create(
        complaint=Complaint(
            channel="phone",
            received_on=today - 3 * day,
            complainant_name="王先生",
            complainant_contact="13900000001",
            institution=yikang,
            category="service",
            content="父亲入住后多次反映夜间无人巡房，呼叫器长时间无人应答。",
        ),
        by=district,
    )
    closed = complaints.complaint_create(
        complaint=Complaint(
            channel="hotline",
            received_on=today - 40 * day,
            complainant_name="李女士",
            complainant_contact="13900000002",
            institution=fule,
            category="food",
            content="食堂饭菜多次变质，老人腹泻。",
        ),
        by=district,
    )
    closed = complaints.complaint_route(
        complaint=closed, department="market", expected_version=closed.version, by=district
    )
    closed = complaints.complaint_record_result(
        complaint=closed,
        result="市场监管部门现场检查，责令食堂整改并抽检留样。",
        expected_version=closed.version,
        by=district,
    )
    closed = complaints.complaint_reply(
        complaint=closed,
        reply="已电话告知投诉人查处结果，投诉人表示满意。",
        replied_on=today - 20 * day,
        expected_version=closed.version,
        by=district,
    )
    complaints.complaint_close(complaint=closed, expected_version=closed.version, by=district)
    del open_one

    # 突发事件: an outbreak at 康乐 this morning; the civil-affairs department told, the others not yet
    incident = emergencies.record_incident(
        by=kangle_user,
        institution=kangle,
        kind="outbreak",
        occurred_at=timezone.now() - datetime.timedelta(hours=3),
        description="三名入住老人同日发热、咳嗽，已隔离观察。",
    )
    first = incident.notifications.order_by("pk").first()
    if first is not None:
        emergencies.record_notification(
            first,
            by=kangle_user,
            notified_at=timezone.now() - datetime.timedelta(hours=2),
            note="电话报告值班人员",
            expected_version=first.version,
        )

    # 应急演练与宣传普及: 康乐 has both this half-year; 颐康 only a drill
    half_start = today.replace(month=1 if today.month <= 6 else 7, day=1)
    emergencies.record_drill(
        by=kangle_user,
        institution=kangle,
        held_on=max(half_start, today - 30 * day),
        kind="drill",
        topic="fire",
        participants=42,
        note="夜间火灾疏散演练",
    )
    emergencies.record_drill(
        by=kangle_user,
        institution=kangle,
        held_on=max(half_start, today - 10 * day),
        kind="awareness",
        topic="fire",
        participants=60,
        note="冬季用电用火安全宣传",
    )
    emergencies.record_drill(
        by=district,
        institution=yikang,
        held_on=max(half_start, today - 20 * day),
        kind="drill",
        topic="fire",
        participants=25,
    )

    # 信用记录 and 执法措施: 福乐 dishonest (food safety); 祥和 under 停业整顿 since last week
    CreditRecord.objects.create(
        credit_code=fule.credit_code,
        institution=fule,
        region=fule.region,
        kind="dishonest",
        source="market",
        reason="食堂食品安全问题，市场监管部门行政处罚。",
        decided_on=today - 25 * day,
        expires_on=today + 340 * day,
        document_number="鞍市监罚〔演示〕1号",
        created_by=district,
    )
    EnforcementOrder.objects.create(
        institution=xianghe,
        region=xianghe.region,
        kind="suspend",
        reason="疏散通道封堵、自动消防设施停用，经责令整改逾期未改。",
        issued_on=today - 7 * day,
        document_number="鞍铁民执〔演示〕1号",
        created_by=district,
    )

    # 证照: 康乐's food licence expires within 30 days, its business licence expired, fire 长期有效
    for kind, number, issuer, valid_from, valid_to in (
        ("fire", "鞍住建消验〔2019〕0031号", "鞍山市住房和城乡建设局", datetime.date(2019, 6, 1), None),
        ("food", "JY22103020001234", "鞍山市铁东区市场监督管理局", today - 1800 * day, today + 20 * day),
        ("medical", "PDY0001210302", "鞍山市铁东区卫生健康局", today - 400 * day, today - 5 * day),
    ):
        Licence.objects.create(
            institution=kangle,
            region=kangle.region,
            kind=kind,
            department=KIND_DEPARTMENT.get(kind, ""),
            number=number,
            issuer=issuer,
            valid_from=valid_from,
            valid_to=valid_to,
            created_by=district,
        )

    # 从业人员: 康乐's nurse with a certificate expiring, a fire-safety post without one, a care worker
    # who is on the 行业禁入 list (banned in 2025 for abusing an elder)
    def member(name, role, seq):
        return StaffMember.objects.create(
            institution=kangle,
            region=kangle.region,
            name=name,
            role=role,
            hired_on=today - 700 * day,
            created_by=district,
            **staff_services.identity(_id(seq)),
        )

    nurse = member("陈丽", "nurse", "301")
    Qualification.objects.create(
        staff=nurse,
        kind="nurse",
        number="2021210300001",
        issuer="辽宁省卫生健康委员会",
        valid_to=today + 25 * day,
    )
    member("孙刚", "fire_safety", "302")
    member("周某某", "care_worker", "303")
    Ban.objects.create(
        name="周某某",
        reason="在原工作机构殴打入住老人，经公安机关查处。",
        document_number="鞍民禁〔演示〕1号",
        decided_on=today - 300 * day,
        region=kangle.region,
        created_by=district,
        **staff_services.identity(_id("303")),
    )
    # 培训 (item 22): one by 铁东区 for care workers with 康乐 and 颐康, one by the city for directors
    session = Training.objects.create(
        region=kangle.region,
        held_on=max(today.replace(month=1, day=1), today - 60 * day),
        kind="care_worker",
        title="养老护理员消防安全与照护技能培训",
        participants=38,
        hours=6,
        created_by=district,
    )
    session.institutions.set([kangle, yikang])
    Training.objects.create(
        region=by["city"].region,
        held_on=max(today.replace(month=1, day=1), today - 90 * day),
        kind="director",
        title="全市养老机构院长安全管理培训班",
        participants=52,
        hours=12,
        created_by=by["city"],
    )
    # 一事一议 (item 23): 福寿's fire acceptance submitted to the district government, not yet decided
    fushou = Institution.objects.filter(name="铁东区福寿康养中心").first() or fule
    Case.objects.create(
        institution=fushou,
        region=fushou.region,
        problem="建筑建于2005年，无消防验收手续，现有条件无法补办消防验收。",
        submitted_to="鞍山市铁东区人民政府",
        submitted_on=today - 50 * day,
        created_by=district,
    )
    return Incident.objects.exists()
