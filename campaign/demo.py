"""Demo answers to the 30 items and summary reports, so the checklist pages and the city's matrix
show something after `make run`: 铁东区 has three items submitted and one draft, 海城市 two
accepted and one returned, and 海城市 has submitted its summary report. Loaded through the services
(the timeline shows real steps); skipped when any answer exists, so a second load changes nothing."""

from campaign import answers
from campaign.models import ItemAnswer
from campaign.selectors import current_campaign_for
from reports import services as reports

NARRATIVES = {
    3: "建立风险隐患整治工作台账，挂图作战、限期整改，排查发现的隐患均已登记，逾期未整改的已约谈机构负责人。",
    4: "组织辖区养老机构对照《养老机构服务安全基本规范》逐项自查，对未达标的机构下发整改通知书，明确整改时限。",
    7: "已在区政府网站公布已登记、备案养老机构名单，并同步抄送市场监管、消防救援等部门。",
    8: "已公布未登记、未备案养老机构名单，逐一上门督促办理登记备案手续。",
    30: "新设立养老机构信息已全部录入全国养老服务信息系统，存量机构数据已完成更新。",
}
SUMMARY = {
    "achievements": "四年来，全市（区）以养老院服务质量建设专项行动为抓手，持续开展风险隐患排查整治，养老机构服务质量明显提升。",
    "problems": "部分民办养老机构消防设施改造资金不足，专业护理人员短缺。",
    "suggestions": "建议加大对民办养老机构消防达标改造的资金支持，完善护理人员培训补贴政策。",
    "long_term_plan": "建立健全养老服务综合监管长效机制，常态化开展“双随机、一公开”检查。",
}


def _answer(user, number, submit=True):
    campaign = current_campaign_for(user)
    item = campaign.items.get(number=number)
    answer = answers.answer_for(item=item, by=user)
    return answers.answer_save(
        answer=answer,
        narrative=NARRATIVES[number],
        values={},
        by=user,
        expected_version=answer.version,
        submit=submit,
    )


def load_demo_answers(users) -> int:
    if ItemAnswer.objects.exists():
        return 0
    tiedong, haicheng, city = users["tiedong"], users["haicheng"], users["city"]
    for number in (3, 4, 7):
        _answer(tiedong, number)
    _answer(tiedong, 30, submit=False)
    for number in (4, 7):
        answers.answer_accept(answer=_answer(haicheng, number), by=city)
    answers.answer_return(
        answer=_answer(haicheng, 8), by=city, reason="请补充未备案机构的督促办理记录和抄送有关部门的回执。"
    )
    report = reports.report_for(campaign=current_campaign_for(haicheng), by=haicheng)
    reports.report_save(
        report=report, sections=SUMMARY, by=haicheng, expected_version=report.version, submit=True
    )
    return ItemAnswer.objects.count()
