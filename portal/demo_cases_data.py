"""Texts of the demo submissions (`portal demo`): invented, typical of what the article's
campaign received (12337 tips about officers, suggestions about service), in Chinese as
citizens write. Every citizen text starts with `DEMO_MARK`, every staff summary with
`DEMO_SUMMARY_MARK`, so demo data is never taken for a real report.
"""

from __future__ import annotations

from moderation.intake.models import RejectReason
from moderation.units import UnitKind

DEMO_MARK = "【演示数据】"
DEMO_SUMMARY_MARK = "【演示】"

# Places and times that vary the texts (never real people).
PLACES = ["户籍窗口", "交警大队车管所", "执法办案中心", "立案庭", "诉讼服务中心", "看守所接见室",
          "社区矫正中心", "公证处", "法律援助中心", "出入境窗口", "治安大队", "信访接待室"]
TIMES = ["上个月", "今年三月初", "四月中旬", "五月的一个周一", "前几天", "去年年底至今",
         "三月下旬", "六月初"]

# Tips by the kind of unit concerned: (tip category code, text with {place} and {when}).
TIPS: dict[UnitKind, list[tuple[str, str]]] = {
    UnitKind.police: [
        ("tip-bribery", "{when}我到{place}办理业务，工作人员暗示要“意思意思”才能尽快办理，"
                        "我没有给，材料就被一直压着不办。"),
        ("tip-conduct", "{when}在{place}，一名民警态度恶劣，对群众大声呵斥，"
                        "还拒绝出示工作证件，周围很多群众都看到了。"),
        ("tip-abuse", "{when}我家亲属被带到{place}询问，超过规定时间仍未让家属知情，"
                      "也没有出具任何手续，怀疑违法办案。"),
        ("tip-protection", "我们村附近有人长期开设赌场、放高利贷，多次报警后{place}"
                           "都没有处理，怀疑有人充当“保护伞”。"),
        ("tip-other", "{when}发现有民警在工作时间多次出入娱乐场所，还驾驶警车办私事，"
                      "影响很坏，希望核查。"),
    ],
    UnitKind.court: [
        ("tip-interference", "我的民事案件{when}立案，承办法官私下说有领导“打过招呼”，"
                             "之后案件一直拖延不开庭。"),
        ("tip-bribery", "{when}在{place}，有工作人员提出可以“帮忙”加快执行，"
                        "但要先交一笔“辛苦费”。"),
        ("tip-conduct", "{when}到{place}咨询，工作人员推诿扯皮，让我来回跑了五六趟，"
                        "每次说法都不一样。"),
    ],
    UnitKind.procuratorate: [
        ("tip-abuse", "我{when}提交的控告材料，检察院一直没有书面答复，"
                      "多次询问都说在研究，已经超过规定期限。"),
        ("tip-interference", "听说{when}有人托关系找到检察院的干警，"
                             "对一起故意伤害案的处理施加影响，希望调查。"),
    ],
    UnitKind.justice: [
        ("tip-conduct", "{when}在{place}办理公证，工作人员额外收取所谓“加急费”，"
                        "没有任何票据。"),
        ("tip-other", "社区矫正对象{when}多次外出未报告，矫正工作人员知情却不处理，"
                      "群众意见很大。"),
    ],
    UnitKind.committee: [
        ("tip-other", "{when}反映的问题转到政法委后没有下文，"
                      "希望说明处理情况，不要层层转办了事。"),
    ],
}

# Suggestions by topic code.
SUGGESTIONS: dict[str, list[str]] = {
    "sugg-service": ["建议{place}在周末安排值班窗口，方便上班族办理业务。",
                     "建议在{place}设置老年人绿色通道，并配备引导人员。"],
    "sugg-efficiency": ["建议{place}推行“一次告知”，把需要的材料一次说清楚，"
                        "避免群众来回跑。",
                        "建议把常见业务放到网上办理，减少到{place}排队的时间。"],
    "sugg-conduct": ["建议公开{place}工作人员的姓名和监督电话，方便群众监督。",
                     "建议定期回访到{place}办事的群众，听取对工作作风的意见。"],
    "sugg-openness": ["建议定期公布举报线索的办理结果，让群众知道反映的问题有回音。",
                      "建议在{place}公示办事流程和收费标准。"],
    "sugg-mechanism": ["建议建立群众反映问题的限时办结制度，超期要说明理由。",
                       "建议对顽瘴痼疾整治情况开展“回头看”，防止问题反弹。"],
    "sugg-other": ["建议多开展法律进社区活动，讲讲群众身边的法律问题。"],
}

# What staff write for the public (回复公开): a summary in their own words, by category
# or topic code, and the official reply sent at the conclusion, by outcome.
SUMMARIES: dict[str, str] = {
    "tip-bribery": "群众反映某窗口工作人员借办理业务索要好处。",
    "tip-conduct": "群众反映工作人员服务态度差、推诿扯皮。",
    "tip-abuse": "群众反映办案程序不规范、未依法告知家属。",
    "tip-protection": "群众反映辖区违法活动长期未得到查处。",
    "tip-interference": "群众反映案件办理可能受到不当干预。",
    "tip-other": "群众反映干警存在违反工作纪律的问题。",
    "sugg-service": "群众建议延长窗口服务时间、方便群众办事。",
    "sugg-efficiency": "群众建议简化办事流程、推行一次告知。",
    "sugg-conduct": "群众建议加强对窗口工作作风的监督。",
    "sugg-openness": "群众建议公开办理结果和办事流程。",
    "sugg-mechanism": "群众建议建立限时办结和“回头看”机制。",
    "sugg-other": "群众建议加强法治宣传。",
}
REPLIES: dict[str, str] = {
    "substantiated": "经核查，反映的问题属实。已对相关人员依规依纪作出处理，"
                     "并在全系统开展专项整改。感谢您的监督。",
    "partly_substantiated": "经核查，反映的问题部分属实。对查实部分已责令整改并批评教育"
                            "相关人员，其余情况未发现违规。感谢您的监督。",
    "unsubstantiated": "经调取记录、询问相关人员，未发现反映的问题。"
                       "如有新的线索，欢迎继续反映。",
    "adopted": "您的建议已被采纳，相关措施已纳入整改清单并逐步落实。感谢您的建议。",
    "partly_adopted": "您的建议已部分采纳，其余内容将在后续工作中研究。感谢您的建议。",
    "noted": "您的建议已留存参考，将在制定相关制度时统筹考虑。感谢您的建议。",
}
REJECTIONS: dict[RejectReason, str] = {
    RejectReason.out_of_scope: "您反映的事项不属于政法干警违纪违法问题，"
                               "建议向有关主管部门反映。",
    RejectReason.insufficient_information: "您反映的内容缺少基本事实，无法核查。"
                                           "如能补充具体情况，欢迎再次反映。",
    RejectReason.spam: "提交内容与举报事项无关，不予受理。",
}
FINDINGS = "（演示）调取工作记录并询问相关人员，形成核查报告。"
QUESTION = "请补充办理业务的大致日期和窗口编号，便于调取记录。"
ANSWER = "大概是当月中旬的一个上午，记得是二号窗口。"
