"""The demo rectification ledger, drawn from the article in `seed/`, in two languages.

The article says the city listed its chronic problems (顽瘴痼疾) after self-examination,
symposiums and press conferences; combined "fixing now" with "lasting rules"; built a
ledger and a list of further rectification by category; ran a look-back review; and
established or improved 606 mechanisms of oversight of law enforcement and justice,
skills, and discipline, advancing investigation, correction, remedy and
institution-building together (查改治建). The categories are the six chronic problems
named for the 2021 campaign nationwide, which the article's "整治顽瘴痼疾" refers to.
Lead officials are positions, never names. No figure the article does not give is
invented: the mechanisms listed are examples, not a count of the 606.
"""

from __future__ import annotations

from datetime import date

from moderation.ledger.models import LedgerStatus, MechanismArea
from portal.content.models import PledgeStatus
from portal.demo_data import T

# (code, name)
CATEGORIES = [
    ("SANGE", T("违反防止干预司法“三个规定”",
                "Breaching the “three provisions” against interference in justice")),
    ("JINGSHANG", T("违规经商办企业", "Running businesses in breach of the rules")),
    ("CANGU", T("违规参股借贷", "Improper shareholdings and lending")),
    ("BAOHUSAN", T("充当黑恶势力“保护伞”", "Acting as a “protective umbrella” for gangs")),
    ("JIANJIAZAN", T("违规违法办理减刑、假释、暂予监外执行",
                     "Improper commutation, parole and temporary release")),
    ("YOUAN", T("有案不立、压案不查、有罪不究",
                "Cases not filed, investigations shelved, crimes left unpunished")),
    ("ZHIFA", T("执法不严、司法不公", "Lax law enforcement and unfair justice")),
]

OPENED = date(2021, 4, 20)  # chronic problems published at symposiums and press conferences
LEDGER_BUILT = date(2021, 6, 10)  # 分门别类建立深化整改台账
LOOK_BACK = date(2021, 6, 25)  # 组织开展“回头看”
CAMPAIGN_END = date(2021, 6, 30)

PARENT = {
    "code": "WZGJ", "unit": "LH-ZFW", "category": None, "public": True,
    "title": T("整治政法队伍顽瘴痼疾", "Tackle the chronic problems of the political-legal force"),
    "summary": T(
        "通过政法单位自查、开门征求意见、召开座谈会等方式全面排查梳理顽瘴痼疾，统筹“当下治”与“长久立”，一体推进“查改治建”。",
        "Chronic problems were identified through self-examination by the political-legal "
        "units, open consultation and symposiums; fixing them now is combined with rules "
        "that last, advancing investigation, correction, remedy and institution-building "
        "together."),
    "description": T(
        "将顽瘴痼疾整治与政法领域全面深化改革相结合，分门别类建立深化整改台账，列出整改清单，实现彻底整改、强化跟踪问效。",
        "Tackling chronic problems is tied to the wider reform of the political-legal field: "
        "a ledger of further rectification by category and a list of measures, rectified "
        "thoroughly and followed up for results."),
    "lead": "市委政法委书记",
    "measures": [
        T("召开座谈会、新闻发布会，公布顽瘴痼疾内容和为民承诺事项",
          "Hold symposiums and press conferences to publish the chronic problems and the "
          "pledges to the public"),
        T("分门别类建立深化整改台账，列出整改清单", "Build a ledger by category and a list "
          "of further rectification"),
        T("组织开展“回头看”，检验整改效果", "Run a look-back review to test the results"),
    ],
    "starts_on": date(2021, 4, 11), "deadline": CAMPAIGN_END,
}

# Children of PARENT: code, category, unit, lead, status, weight, public, title, summary,
# measures, mechanisms [(area, title, date)], verification (verifier, day) or None,
# look-back ("held" | "relapsed", reason) or None, timeline [(day, public, text)].
CHILDREN = [
    {
        "code": "WZGJ-01", "category": "SANGE", "unit": "LH-ZFW", "lead": "市委政法委常务副书记",
        "status": LedgerStatus.verified, "weight": 2, "public": True,
        "title": T("落实防止干预司法“三个规定”",
                   "Enforce the “three provisions” against interference in justice"),
        "summary": T("组织开展党政领导干部严格执行“三个规定”公开承诺，"
                     "对过问或干预、插手案件的情况如实记录报告。",
                     "Party and government officials publicly pledged to observe the “three "
                     "provisions”; any enquiry into or interference with a case is recorded "
                     "and reported."),
        "measures": [
            T("组织开展党政领导干部严格执行“三个规定”公开承诺",
              "Officials publicly pledge to observe the “three provisions”"),
            T("全面推行过问或干预、插手案件记录报告", "Record and report every enquiry into "
              "or interference with a case"),
        ],
        "mechanisms": [
            (MechanismArea.oversight, T("防止干预司法“三个规定”记录报告制度",
                                        "Recording and reporting rules for the three "
                                        "provisions"), date(2021, 5, 20)),
        ],
        "verification": ("市政法队伍教育整顿领导小组办公室", date(2021, 6, 20)),
        "lookback": ("held", T("回头看未发现反弹。", "The look-back found no relapse.")),
        "timeline": [
            (OPENED, True, T("通过座谈会、新闻发布会公布该项整治内容。",
                             "The item was published at symposiums and press conferences.")),
            (date(2021, 5, 20), True, T("记录报告制度印发施行。",
                                        "The recording and reporting rules took effect.")),
        ],
    },
    {
        "code": "WZGJ-02", "category": "JINGSHANG", "unit": "LH-ZFW", "lead": "市委政法委副书记",
        "status": LedgerStatus.rectified, "weight": 1, "public": True,
        "title": T("清理违规经商办企业", "Clear up businesses run in breach of the rules"),
        "summary": T("落实“自查从宽、被查从严”政策，引导干警如实报告本人及亲属经商办企业情况。",
                     "Under the policy of leniency for self-reporting and severity for those "
                     "found out, officers report their own and their relatives' business "
                     "interests."),
        "measures": [
            T("发放《适用“自查从宽、被查从严”政策明白卡》", "Hand out the policy cards on "
              "leniency for self-reporting"),
            T("开展全面谈、重点谈、反复谈", "Hold talks with everyone, in depth and repeatedly"),
        ],
        "mechanisms": [
            (MechanismArea.discipline, T("政法干警经商办企业情况报告制度",
                                         "Reporting rules on officers' business interests"),
             date(2021, 6, 5)),
        ],
        "verification": None, "lookback": None,
        "timeline": [
            (date(2021, 5, 10), True, T("完成自查自纠，干警如实报告相关情况。",
                                        "Self-examination done; officers reported their "
                                        "business interests.")),
        ],
    },
    {
        "code": "WZGJ-03", "category": "JIANJIAZAN", "unit": "LH-FY",
        "lead": "市中级人民法院分管副院长",
        "status": LedgerStatus.verified, "weight": 1, "public": True,
        "title": T("规范减刑、假释、暂予监外执行",
                   "Regulate commutation, parole and temporary release"),
        "summary": T("对减刑、假释、暂予监外执行案件开展排查，完善执法司法监督制约机制。",
                     "Commutation, parole and temporary-release cases were reviewed and the "
                     "oversight of these decisions strengthened."),
        "measures": [
            T("排查减刑、假释、暂予监外执行案件", "Review commutation, parole and "
              "temporary-release cases"),
            T("检察机关同步监督", "Concurrent supervision by the procuratorate"),
        ],
        "mechanisms": [
            (MechanismArea.oversight, T("减刑假释案件公示和监督机制",
                                        "Publication and oversight of commutation and parole "
                                        "cases"), date(2021, 6, 1)),
        ],
        "verification": ("市政法队伍教育整顿领导小组办公室", date(2021, 6, 22)),
        "lookback": None,
        "timeline": [
            (date(2021, 5, 15), True, T("完成案件排查。", "The review of cases was completed.")),
        ],
    },
    {
        "code": "WZGJ-04", "category": "YOUAN", "unit": "LH-GA", "lead": "市公安局分管副局长",
        "status": LedgerStatus.verified, "weight": 2, "public": True,
        "title": T("整治有案不立、压案不查、有罪不究",
                   "End unfiled cases, shelved investigations and unpunished crimes"),
        "summary": T("通过建立台账跟踪查、集中会审有效查等措施，提升案件线索办理质效。",
                     "Ledgers to follow each lead and joint case reviews improve how leads "
                     "and cases are handled."),
        "measures": [
            T("建立台账跟踪查", "Keep a ledger to follow each lead"),
            T("集中会审有效查", "Review cases jointly"),
        ],
        "mechanisms": [
            (MechanismArea.oversight, T("受案立案监督机制", "Oversight of case registration"),
             date(2021, 6, 8)),
        ],
        "verification": ("市政法队伍教育整顿领导小组办公室", date(2021, 6, 21)),
        "lookback": ("relapsed", T(
            "回头看发现个别基层单位接报案件登记仍不规范，重新列入整改。",
            "The look-back found case registration still irregular in some local units; "
            "the item was reopened.")),
        "timeline": [
            (date(2021, 5, 25), True, T("建立线索台账，逐件跟踪。",
                                        "A ledger of leads was set up and each is followed.")),
        ],
    },
    {
        "code": "WZGJ-05", "category": "BAOHUSAN", "unit": "LH-GA", "lead": "市公安局分管副局长",
        "status": LedgerStatus.in_progress, "weight": 1, "public": True,
        "title": T("深挖彻查黑恶势力“保护伞”", "Root out “protective umbrellas” for gangs"),
        "summary": T("采取领导包案、提级办理、交叉办理、异地办理等方式查办线索。",
                     "Leads are handled through leader-owned, escalated, cross-unit and "
                     "off-site handling."),
        "measures": [
            T("领导包案、提级办理", "Leader-owned and escalated handling"),
            T("交叉办理、异地办理", "Cross-unit and off-site handling"),
        ],
        "mechanisms": [], "verification": None, "lookback": None,
        "timeline": [
            (date(2021, 5, 5), True, T("相关线索按领导包案方式办理。",
                                       "Related leads are handled by leaders in person.")),
        ],
    },
    {
        "code": "WZGJ-06", "category": "CANGU", "unit": "LH-JCY",
        "lead": "市人民检察院分管副检察长",
        "status": LedgerStatus.planned, "weight": 1, "public": True,
        "title": T("排查违规参股借贷", "Check improper shareholdings and lending"),
        "summary": T("纳入深化整改清单，持续推进。",
                     "On the list of further rectification, to be continued."),
        "measures": [T("纳入深化整改台账", "Put on the ledger of further rectification")],
        "mechanisms": [], "verification": None, "lookback": None, "timeline": [],
    },
]

# Top-level items beside the parent: one for each area of mechanisms, and one internal.
OTHERS = [
    {
        "code": "JZLZ-01", "category": "ZHIFA", "unit": "LH-ZFW", "lead": "市委政法委书记",
        "status": LedgerStatus.verified, "weight": 1, "public": True,
        "title": T("完善执法司法监督制约机制",
                   "Strengthen oversight of law enforcement and justice"),
        "summary": T("把顽瘴痼疾整治与政法领域全面深化改革相结合，完善执法司法监督制约等机制。",
                     "Tackling chronic problems is tied to reform: mechanisms of oversight of "
                     "law enforcement and justice are established or improved."),
        "measures": [T("梳理执法司法监督制约制度，查漏补缺",
                       "Review the oversight rules and fill the gaps")],
        "mechanisms": [
            (MechanismArea.oversight, T("“日报告、周计划”工作机制",
                                        "Daily reports and weekly plans"), date(2021, 4, 1)),
            (MechanismArea.oversight, T("教育整顿联席会议机制",
                                        "Joint meetings on the campaign"), date(2021, 4, 1)),
        ],
        "verification": ("市政法队伍教育整顿领导小组办公室", date(2021, 6, 28)),
        "lookback": ("held", T("回头看确认机制运行正常。",
                               "The look-back confirmed the mechanisms work.")),
        "timeline": [
            (LEDGER_BUILT, True, T("已完善执法司法监督制约、素质能力提升等机制606项。",
                                   "606 mechanisms of oversight, skills and others have been "
                                   "established or improved.")),
        ],
    },
    {
        "code": "JZLZ-02", "category": None, "unit": "LH-SF", "lead": "市司法局局长",
        "status": LedgerStatus.rectified, "weight": 1, "public": True,
        "title": T("提升政法干警素质能力", "Raise officers' skills and abilities"),
        "summary": T("每周组织全员测试，开展“司法行政大讲堂”专题辅导，推动学习教育入脑入心。",
                     "Weekly tests for all staff and themed lectures in the justice "
                     "administration's lecture hall."),
        "measures": [T("每周组织一次全员测试", "A test for all staff every week"),
                     T("利用“司法行政大讲堂”开展专题辅导",
                       "Themed lectures in the justice administration's lecture hall")],
        "mechanisms": [
            (MechanismArea.capability, T("理论学习“第一议题”制度",
                                         "Theory study as the first item of every meeting"),
             date(2021, 4, 15)),
        ],
        "verification": None, "lookback": None, "timeline": [],
    },
    {
        "code": "JZLZ-03", "category": None, "unit": "LH-ZFW", "lead": "市委政法委副书记",
        "status": LedgerStatus.in_progress, "weight": 1, "public": False,
        "title": T("正风肃纪常态化", "Keep discipline tight, permanently"),
        "summary": T("准确运用“四种形态”，巩固教育整顿成果。",
                     "Apply the “four forms” of oversight accurately and consolidate the "
                     "results."),
        "measures": [T("准确运用“四种形态”", "Apply the “four forms” of oversight accurately")],
        "mechanisms": [
            (MechanismArea.discipline, T("警示教育常态化机制",
                                         "Regular warning education"), date(2021, 6, 15)),
        ],
        "verification": None, "lookback": None,
        "timeline": [
            (date(2021, 6, 15), False, T("内部：统筹纪委监委线索移送工作。",
                                         "Internal: coordinate referrals with the discipline "
                                         "commission.")),
        ],
    },
]

# Progress updates of the demo pledges, by pledge position: (day, status, progress, note).
PLEDGE_UPDATES = {
    1: [(date(2021, 4, 30), PledgeStatus.in_progress, 50,
         T("“四必访、六必进”走访服务全面铺开。", "Outreach visits under way across the city.")),
        (CAMPAIGN_END, PledgeStatus.fulfilled, 100,
         T("累计走访群众2万余人次。", "More than 20,000 visits to residents made."))],
    4: [(OPENED, PledgeStatus.in_progress, 60,
         T("通过座谈会、新闻发布会公布顽瘴痼疾内容。",
           "Chronic problems published at symposiums and press conferences.")),
        (CAMPAIGN_END, PledgeStatus.fulfilled, 100,
         T("共召开座谈会96场、新闻发布会32场，收集意见和建议811条。",
           "96 symposiums and 32 press conferences held; 811 opinions and suggestions "
           "collected."))],
    6: [(LEDGER_BUILT, PledgeStatus.in_progress, 60,
         T("分门别类建立深化整改台账，列出整改清单。",
           "A ledger and a list of further rectification built by category.")),
        (CAMPAIGN_END, PledgeStatus.in_progress, 80,
         T("已完善执法司法监督制约、素质能力提升等机制606项，组织开展“回头看”。",
           "606 mechanisms established or improved; a look-back review carried out."))],
}
