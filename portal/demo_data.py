"""The demo campaign from the article in `seed/` (市政法队伍教育整顿工作纪实), in two languages.

Facts and figures are the article's. Where it gives nothing (the mailbox address, an e-mail
address, hotline hours) the field says so or stays empty. The stage boundaries are not in
the article: they follow the 2021 national first round (study in March to early April,
investigation from mid-April to May, review in June).
"""

from __future__ import annotations

from datetime import date

from moderation.sqltypes import LocalizedText
from moderation.units import UnitKind
from portal.content.models import AnnouncementCategory, PledgeStatus


def T(zh: str, en: str) -> LocalizedText:
    """A text in both languages."""
    return {"zh_CN": zh, "en": en}


CAMPAIGN_SLUG = "luohe-2021"

CAMPAIGN = {
    "slug": CAMPAIGN_SLUG,
    "name": T("漯河市政法队伍教育整顿",
              "Luohe Political-Legal Workforce Education and Rectification"),
    "tagline": T("塑魂砺剑铸忠诚 实干担当锻铁军",
                 "Shaping souls and tempering swords for loyalty; forging an iron force "
                 "through hard work and responsibility"),
    "overall_requirement": T(
        "锻造一支党和人民信得过、靠得住、能放心的政法铁军",
        "Forge an iron political-legal force that the Party and the people can trust, "
        "rely on and have confidence in",
    ),
    "intro": T(
        "全市政法队伍教育整顿以学习教育为先导，以查纠整改为关键，以长效常治为方向，"
        "紧扣“筑牢政治忠诚、清除害群之马、整治顽瘴痼疾、弘扬英模精神”四项任务，"
        "高质量部署、高标准推进。领导小组由市委书记任组长，办公室设在市委政法委，"
        "下设6个专项组和3个工作专班。",
        "The city's education and rectification of its political-legal workforce is led by "
        "study and education, hinges on investigation and rectification, and aims at lasting "
        "results. It is built around four tasks: strengthening political loyalty, removing "
        "the bad apples, tackling chronic problems and carrying forward the spirit of heroes "
        "and models. The leading group is chaired by the Secretary of the Municipal Party "
        "Committee; its office sits in the Municipal Political and Legal Affairs Commission, "
        "with 6 special groups and 3 task forces.",
    ),
    "how_to_report": T(
        "反映政法干警违纪违法问题，或对政法队伍建设提出意见建议，可以：\n\n"
        "- 拨打 **12337** 政法干警违纪违法举报电话；\n"
        "- 通过12337政法干警违纪违法举报平台反映；\n"
        "- 写信寄至教育整顿举报信箱。\n\n"
        "请尽量写明被反映人的姓名、单位和具体事实，便于核查。可以实名反映，也可以匿名反映。",
        "To report misconduct or law-breaking by political-legal officers, or to make a "
        "suggestion about the workforce, you can:\n\n"
        "- call the **12337** hotline for reports on political-legal officers;\n"
        "- use the 12337 reporting platform;\n"
        "- write to the campaign's reporting mailbox.\n\n"
        "Please give the name and unit of the person concerned and the facts as precisely "
        "as you can, so that they can be verified. You may give your name or stay anonymous.",
    ),
    "confidentiality": T(
        "举报人的姓名、联系方式和举报内容严格保密，只有经授权的办理人员才能查看。\n\n"
        "严禁泄露举报人信息，严禁打击报复举报人。选择匿名反映时，本门户不记录能够识别您身份的信息。",
        "The name and contact details of a person who reports, and what they report, are kept "
        "strictly confidential; only authorised case handlers can see them.\n\n"
        "Disclosing a reporter's details and retaliating against a reporter are strictly "
        "forbidden. If you choose to stay anonymous, this portal keeps nothing that could "
        "identify you.",
    ),
    "hotline_phone": "12337",
    "hotline_hours": T("", ""),  # not given in the article
    "mailbox_address": T(
        "举报信箱地址已通过媒体向社会公布，原报道未载明具体地址。",
        "The mailbox address was announced through the media; the source report does not "
        "give it.",
    ),
    "email": "",  # none given in the article
    "starts_on": date(2021, 3, 5),
    "ends_on": date(2021, 6, 30),
}

TASKS = [
    (T("筑牢政治忠诚", "Strengthen political loyalty"),
     T("按照“绝对忠诚、绝对纯洁、绝对可靠”的要求，以政治教育、党史教育、警示教育、英模教育“四项教育”为主抓手，强化理论武装。",
       "Following the call to be absolutely loyal, absolutely clean and absolutely reliable, "
       "build up theoretical grounding through four kinds of education: political, Party "
       "history, warning and hero education.")),
    (T("清除害群之马", "Remove the bad apples"),
     T("坚持“严”的主基调，无禁区、全覆盖、零容忍，落实“自查从宽、被查从严”政策，采取领导包案、提级办理、交叉办理、异地办理等方式查办线索。",
       "Keep strictness as the keynote, with no off-limits areas, full coverage and zero "
       "tolerance; apply the policy of leniency for self-reporting and severity for those "
       "found out; handle leads through leader-owned, escalated, cross-unit and off-site "
       "handling.")),
    (T("整治顽瘴痼疾", "Tackle chronic problems"),
     T("坚持开门纳谏，公布顽瘴痼疾内容和为民承诺事项，统筹“当下治”与“长久立”，一体推进“查改治建”。",
       "Open the door to criticism, publish the chronic problems and the pledges to the "
       "public, and combine fixing problems now with rules that last, advancing "
       "investigation, correction, remedy and institution-building together.")),
    (T("弘扬英模精神", "Carry forward the spirit of heroes and models"),
     T("开展“学英模精神，做忠诚卫士”主题活动，宣传政法干警先进事迹，引导干警学有标杆、心有敬畏、行有所止。",
       "Run the campaign “Learn from heroes, be loyal guardians” and publicise the deeds of "
       "outstanding officers, so that officers have models to learn from, respect for the "
       "rules and limits on their conduct.")),
]

STAGES = [
    (T("学习教育", "Study and education"),
     T("以学习教育为先导，重点开展“七学”活动：领导干部领学、专题党课带学、辅导宣讲领学、组织考试促学、主题研讨深学、红色教育研学、典型引学。",
       "Study leads the way, through seven kinds of learning: leaders leading study, themed "
       "Party lectures, expert talks, tests, themed seminars, revolutionary-heritage visits "
       "and learning from role models."),
     date(2021, 3, 5), date(2021, 4, 10)),
    (T("查纠整改", "Investigation and rectification"),
     T("以查纠整改为关键，深入开展自查自纠，抓好线索查办，坚决清除害群之马，全面排查整治顽瘴痼疾。",
       "Investigation and rectification are the key: thorough self-examination, handling of "
       "leads, removing the bad apples, and a full review and remedy of chronic problems."),
     date(2021, 4, 11), date(2021, 5, 31)),
    (T("总结提升", "Review and consolidation"),
     T("突出抓好持续整改、建章立制、总结评估，建立深化整改台账，列出整改清单，组织开展“回头看”，巩固教育整顿成果。",
       "Continued rectification, new rules and institutions, and evaluation: a ledger and a "
       "list of further rectification, a look-back review, and consolidation of the "
       "results."),
     date(2021, 6, 1), date(2021, 6, 30)),
]

# (label, value, suffix): the article's figures, "余" (more than) shown as a suffix.
FIGURES = [
    (T("“一把手”讲专题党课", "Party lectures given by unit heads"), 69, T("次", "")),
    (T("理论测试", "Theory tests"), 150, T("余次", "+")),
    (T("集中学习研讨", "Group study seminars"), 70, T("余次", "+")),
    (T("英模教育活动", "Hero-education events"), 67, T("场", "")),
    (T("警示教育", "Warning-education sessions"), 132, T("场", "")),
    (T("“自查从宽、被查从严”政策明白卡", "Policy cards on leniency for self-reporting"),
     10000, T("余份", "+")),
    (T("谈心谈话", "Heart-to-heart talks"), 10000, T("余人次", "+")),
    (T("座谈会", "Symposiums held"), 96, T("场", "")),
    (T("新闻发布会", "Press conferences"), 32, T("场", "")),
    (T("收集意见和建议", "Opinions and suggestions collected"), 811, T("条", "")),
    (T("完善执法司法监督制约等机制", "Mechanisms established or improved"), 606, T("项", "")),
    (T("走访群众", "Visits to residents"), 20000, T("余人次", "+")),
    (T("普法宣传和法治讲座", "Law-publicity events and lectures"), 100, T("余场次", "+")),
    (T("化解纠纷", "Disputes resolved"), 1200, T("余起", "+")),
]

# The org tree: city organs first, then the counties and districts with their own organs.
CITY_UNITS = [
    ("LH-ZFW", T("漯河市委政法委", "Luohe Municipal Political and Legal Affairs Commission"),
     UnitKind.committee),
    ("LH-FY", T("漯河市中级人民法院", "Luohe Intermediate People's Court"), UnitKind.court),
    ("LH-JCY", T("漯河市人民检察院", "Luohe Municipal People's Procuratorate"),
     UnitKind.procuratorate),
    ("LH-GA", T("漯河市公安局", "Luohe Municipal Public Security Bureau"), UnitKind.police),
    ("LH-SF", T("漯河市司法局", "Luohe Municipal Bureau of Justice"), UnitKind.justice),
]

# (code, Chinese name, English name, is_county): districts have police branches, not bureaus.
AREAS = [
    ("LY", "临颍县", "Linying County", True),
    ("WY", "舞阳县", "Wuyang County", True),
    ("YH", "源汇区", "Yuanhui District", False),
    ("YC", "郾城区", "Yancheng District", False),
    ("ZL", "召陵区", "Shaoling District", False),
]


def area_units(code: str, zh: str, en: str, county: bool) -> list[tuple[str, LocalizedText,
                                                                      UnitKind]]:
    """The political-legal organs of one county or district."""
    short = zh[:-1]
    police = (T(f"{zh}公安局", f"{en} Public Security Bureau") if county else
              T(f"漯河市公安局{short}分局", f"Luohe Public Security Bureau, {en} Branch"))
    return [
        (f"{code}-ZFW", T(f"{zh}委政法委", f"{en} Political and Legal Affairs Commission"),
         UnitKind.committee),
        (f"{code}-FY", T(f"{zh}人民法院", f"{en} People's Court"), UnitKind.court),
        (f"{code}-JCY", T(f"{zh}人民检察院", f"{en} People's Procuratorate"),
         UnitKind.procuratorate),
        (f"{code}-GA", police, UnitKind.police),
        (f"{code}-SF", T(f"{zh}司法局", f"{en} Bureau of Justice"), UnitKind.justice),
    ]


# (title, description, unit code, status, progress)
PLEDGES = [
    (T("“四必访、六必进”走访服务", "“Four must-visits, six must-enters” outreach"),
     T("服务对象必访、特殊群体必访、困难群众必访、困难企业必访；进乡村、进社区、进街道、进企业、进学校、进机关。全市各级政法部门累计走访群众2万余人次。",
       "Visit everyone we serve, special groups, people in hardship and struggling "
       "businesses; go into villages, communities, neighbourhoods, businesses, schools and "
       "government offices. Political-legal departments across the city made more than "
       "20,000 visits to residents."),
     "LH-ZFW", PledgeStatus.fulfilled, 100),
    (T("“我为群众办实事、我为企业解难题”",
       "“Practical help for the people, solutions for businesses”"),
     T("从群众最期盼的事情做起、从群众最不满意的地方改起。我市做法在全省政法队伍教育整顿工作第一次交流推进会上受到充分肯定。",
       "Start with what people most hope for and fix what they are least satisfied with. "
       "The city's approach was commended at the province's first exchange meeting on the "
       "campaign."),
     "LH-ZFW", PledgeStatus.fulfilled, 100),
    (T("公开宣讲“自查从宽、被查从严”政策", "Explain the policy of leniency for self-reporting"),
     T("制作《适用“自查从宽、被查从严”政策明白卡》1万余份，组织谈心谈话1万余人次，引导干警放下思想包袱、主动说清问题。",
       "More than 10,000 policy cards printed and more than 10,000 heart-to-heart talks held, "
       "encouraging officers to come forward and account for their problems themselves."),
     "LH-ZFW", PledgeStatus.fulfilled, 100),
    (T("开门纳谏，公布顽瘴痼疾整治事项",
       "Open the door to criticism and publish the chronic problems"),
     T("通过座谈会、新闻发布会公布顽瘴痼疾内容和为民承诺事项。全市共召开座谈会96场、新闻发布会32场，收集意见和建议811条。",
       "Chronic problems and pledges to the public were published at symposiums and press "
       "conferences: 96 symposiums and 32 press conferences were held and 811 opinions and "
       "suggestions collected."),
     "LH-ZFW", PledgeStatus.fulfilled, 100),
    (T("普法宣传和法治讲座进基层", "Law publicity and lectures in the community"),
     T("开展普法宣传和法治讲座100余场次，化解纠纷1200余起，并在食博会现场开展法治宣传。",
       "More than 100 law-publicity events and lectures, more than 1,200 disputes resolved, "
       "and legal information stands at the food expo."),
     "LH-SF", PledgeStatus.fulfilled, 100),
    (T("持续整改、建章立制", "Keep rectifying and build lasting rules"),
     T("分门别类建立深化整改台账，列出整改清单，组织开展“回头看”；已完善执法司法监督制约、素质能力提升等机制606项，初步实现“查改治建”一体推进。",
       "A ledger and a list of further rectification by category, and a look-back review; "
       "606 mechanisms for oversight of law enforcement and justice and for skills have been "
       "established or improved so far."),
     "LH-ZFW", PledgeStatus.in_progress, 80),
]

# (category, pinned, publish date, title, summary, Markdown body)
ANNOUNCEMENTS = [
    (AnnouncementCategory.notice, True, date(2021, 3, 8),
     T("关于公布全市政法队伍教育整顿举报电话和信箱的公告",
       "Notice: reporting hotline and mailbox of the city's education and rectification"),
     T("群众可拨打12337举报电话或写信至举报信箱，反映政法干警违纪违法问题线索。",
       "Call the 12337 hotline or write to the reporting mailbox to report misconduct by "
       "political-legal officers."),
     T("为提高人民群众对政法队伍教育整顿的知晓率、参与度，现将全市政法队伍教育整顿的总要求、"
       "目标任务和举报渠道公布如下。\n\n"
       "**总要求**：锻造一支党和人民信得过、靠得住、能放心的政法铁军。\n\n"
       "**四项任务**：筑牢政治忠诚、清除害群之马、整治顽瘴痼疾、弘扬英模精神。\n\n"
       "**举报渠道**：拨打12337政法干警违纪违法举报电话，或通过12337举报平台、"
       "教育整顿举报信箱反映问题。\n\n"
       "欢迎广大群众反映政法干警违纪违法问题线索，对政法队伍建设提出意见建议。",
       "To help the public know about and take part in the education and rectification of "
       "the political-legal workforce, its overall requirement, tasks and reporting "
       "channels are announced as follows.\n\n"
       "**Overall requirement:** forge an iron political-legal force that the Party and the "
       "people can trust, rely on and have confidence in.\n\n"
       "**Four tasks:** strengthen political loyalty, remove the bad apples, tackle chronic "
       "problems, and carry forward the spirit of heroes and models.\n\n"
       "**How to report:** call the 12337 hotline for reports on political-legal officers, "
       "or use the 12337 reporting platform or the campaign's reporting mailbox.\n\n"
       "Everyone is welcome to report misconduct by political-legal officers and to make "
       "suggestions about the workforce.")),
    (AnnouncementCategory.news, False, date(2021, 3, 5),
     T("全市政法队伍教育整顿动员部署会议召开",
       "City holds mobilisation meeting for the education and rectification"),
     T("3月5日，市政法队伍教育整顿动员部署会议召开，发出动员令。",
       "On 5 March the city's mobilisation meeting launched the education and "
       "rectification of the political-legal workforce."),
     T("3月5日，市政法队伍教育整顿动员部署会议召开。会议要求：“提高政治站位，以坚如磐石的信念、"
       "刀刀向内的勇气、雷霆万钧的势头，高标准高质量开展政法队伍教育整顿，努力锻造一支党和人民"
       "信得过、靠得住、能放心的政法铁军。”\n\n"
       "我市成立高规格的政法队伍教育整顿领导小组，由市委书记任组长，市长任第一副组长，"
       "市委副书记任常务副组长。领导小组办公室设在市委政法委，下设6个专项组和3个工作专班，"
       "统筹推进全市教育整顿工作。\n\n"
       "领导小组制订印发思想发动、线索核查办理、专项整治等方案，明确“施工图”“时间表”，"
       "建立“日报告、周计划”、联席会议等机制。",
       "On 5 March the city held its mobilisation meeting for the education and "
       "rectification of the political-legal workforce. The meeting called for “raising "
       "political awareness and, with rock-solid conviction, the courage to turn the blade "
       "inward and overwhelming momentum, carrying out the campaign to a high standard, to "
       "forge an iron political-legal force that the Party and the people can trust, rely on "
       "and have confidence in.”\n\n"
       "A high-level leading group was set up, chaired by the Secretary of the Municipal "
       "Party Committee, with the Mayor as first deputy chair and the Deputy Secretary as "
       "executive deputy chair. Its office sits in the Municipal Political and Legal Affairs "
       "Commission, with 6 special groups and 3 task forces.\n\n"
       "The leading group issued plans for mobilisation, verification of leads and special "
       "campaigns, with a clear blueprint and timetable, daily reports, weekly plans and "
       "joint meetings.")),
    (AnnouncementCategory.news, False, date(2021, 4, 9),
     T("“七学”活动推动学习教育入脑入心", "Seven kinds of learning bring the study stage home"),
     T("全市政法系统以“四项教育”为主抓手，重点开展“七学”活动。",
       "The city's political-legal organs focused the study stage on four kinds of "
       "education and seven kinds of learning."),
     T("学习教育环节，全市政法系统以政治教育、党史教育、警示教育、英模教育为主抓手，"
       "重点开展“七学”活动：\n\n"
       "- 领导干部领学：各级政法部门落实“第一议题”制度，"
       "临颍县开办“夜校课堂”，舞阳县实行晨读夜学；\n"
       "- 专题党课带学：“一把手”带头讲党课69次；\n"
       "- 辅导宣讲领学：邀请专家进行理论宣讲，市司法局利用“司法行政大讲堂”开展专题辅导；\n"
       "- 组织考试促学：共开展理论测试150余次；\n"
       "- 主题研讨深学：市县两级政法机关开展集中学习研讨70余次；\n"
       "- 红色教育研学：市中级人民法院组织干警观看红色电影，市人民检察院编发“党史上的今天”，"
       "市委政法委、市公安局组织干警到确山县竹沟革命纪念馆接受革命传统教育；\n"
       "- 典型引学：开展“学英模精神，做忠诚卫士”主题活动和“五个一”警示教育。",
       "In the study stage the city's political-legal organs concentrated on political, "
       "Party history, warning and hero education, through seven kinds of learning:\n\n"
       "- Leaders lead study: every organ put theory first on its agenda; Linying County ran "
       "an evening school and Wuyang County morning and evening reading;\n"
       "- Themed Party lectures: unit heads gave 69 Party lectures;\n"
       "- Expert talks: scholars were invited to speak, and the Municipal Bureau of Justice "
       "held talks in its lecture series;\n"
       "- Tests: more than 150 theory tests were held;\n"
       "- Seminars: organs at city and county level held more than 70 group study seminars;\n"
       "- Revolutionary heritage: the Intermediate Court showed films on Party history, the "
       "Procuratorate published a daily “This day in Party history”, and the Political and "
       "Legal Affairs Commission and the Public Security Bureau visited the Zhugou "
       "Revolutionary Memorial in Queshan County;\n"
       "- Role models: the campaign “Learn from heroes, be loyal guardians” and warning "
       "education.")),
    (AnnouncementCategory.hero_story, False, date(2021, 4, 16),
     T("“党旗颂 忠诚颂”河南政法英模先进事迹巡回报告会在漯河举行",
       "Henan political-legal heroes' tour “Ode to the Party Flag, Ode to Loyalty” comes to "
       "Luohe"),
     T("我市开展“学英模精神，做忠诚卫士”主题活动，全市共开展英模教育活动67场。",
       "The city ran the campaign “Learn from heroes, be loyal guardians”, with 67 "
       "hero-education events."),
     T("“党旗颂 忠诚颂”河南政法英模先进事迹巡回报告会在我市举行，全市政法干警聆听英模先进事迹。\n\n"
       "为引导政法干警学有标杆、心有敬畏、行有所止，我市开展“学英模精神，做忠诚卫士”主题活动，"
       "宣传政法干警先进事迹。截至目前，全市共开展英模教育活动67场。",
       "The Henan tour of reports on outstanding political-legal officers, “Ode to the Party "
       "Flag, Ode to Loyalty”, came to the city, and officers across Luohe heard the stories "
       "of their exemplary colleagues.\n\n"
       "So that officers have models to learn from, respect for the rules and limits on their "
       "conduct, the city ran the campaign “Learn from heroes, be loyal guardians” and "
       "publicised officers' deeds. 67 hero-education events have been held so far.")),
    (AnnouncementCategory.warning_case, False, date(2021, 4, 23),
     T("落实“自查从宽、被查从严”政策 坚决清除害群之马",
       "Leniency for self-reporting, severity for those found out: removing the bad apples"),
     T("查纠整改环节坚持“严”的主基调，无禁区、全覆盖、零容忍。",
       "The investigation stage keeps strictness as its keynote: no off-limits areas, full "
       "coverage, zero tolerance."),
     T("在查纠整改环节，我市坚持“严”的主基调，正风肃纪，做到无禁区、全覆盖、零容忍。\n\n"
       "全市共制作《适用“自查从宽、被查从严”政策明白卡》1万余份，组织谈心谈话1万余人次，"
       "引导干警放下思想包袱。采取领导包案、提级办理、交叉办理、异地办理等方式查办司法腐败典型案例，"
       "准确运用“四种形态”，果断处分一批违法违纪干警。\n\n"
       "我市开展“五个一”警示教育，全市共开展警示教育132场，引导干警心有敬畏、行有所止。",
       "In the investigation and rectification stage the city kept strictness as its "
       "keynote: no off-limits areas, full coverage and zero tolerance.\n\n"
       "More than 10,000 cards explaining the policy of leniency for self-reporting and "
       "severity for those found out were printed, and more than 10,000 heart-to-heart talks "
       "held to encourage officers to come forward. Typical cases of judicial corruption "
       "were investigated through leader-owned, escalated, cross-unit and off-site handling, "
       "and a number of officers who broke the law or discipline were punished.\n\n"
       "132 warning-education sessions were held, so that officers respect the rules and "
       "keep within them.")),
    (AnnouncementCategory.press_conference, False, date(2021, 5, 20),
     T("市政法队伍教育整顿新闻发布会召开 公布顽瘴痼疾整治和为民承诺事项",
       "Press conference publishes the chronic problems and the pledges to the public"),
     T("坚持开门纳谏，全市共召开座谈会96场、新闻发布会32场，收集意见和建议811条。",
       "Opening the door to criticism: 96 symposiums and 32 press conferences, 811 opinions "
       "and suggestions collected."),
     T("市政法队伍教育整顿新闻发布会召开，向社会公布顽瘴痼疾内容和为民承诺事项。\n\n"
       "我市坚持开门纳谏，通过召开座谈会、新闻发布会的形式推动教育整顿走深走实。截至目前，"
       "全市共召开座谈会96场、新闻发布会32场，收集意见和建议811条。\n\n"
       "通过政法单位自查、开门征求意见、召开座谈会收集意见等方式，全面排查梳理顽瘴痼疾，"
       "统筹“当下治”与“长久立”，一体推进“查改治建”。",
       "The city's press conference on the campaign published the chronic problems to be "
       "tackled and the pledges made to the public.\n\n"
       "Opening the door to criticism, the city has held 96 symposiums and 32 press "
       "conferences so far and collected 811 opinions and suggestions.\n\n"
       "Chronic problems were identified through self-examination by each unit, open "
       "consultation and symposiums, combining fixing problems now with rules that last.")),
    (AnnouncementCategory.news, False, date(2021, 5, 14),
     T("政法干警走进食博会开展法治宣传", "Officers bring legal information to the food expo"),
     T("“四必访、六必进”走访服务深入开展，全市累计走访群众2万余人次。",
       "The “four must-visits, six must-enters” outreach continues: more than 20,000 visits "
       "to residents so far."),
     T("政法干警在食博会现场进行法治宣传，为群众解答法律问题。\n\n"
       "全市政法系统坚持开展“四必访、六必进”走访服务，即服务对象必访、特殊群体必访、困难群众必访、"
       "困难企业必访，进乡村、进社区、进街道、进企业、进学校、进机关。截至目前，全市各级政法部门"
       "累计走访群众2万余人次，开展普法宣传和法治讲座100余场次，化解纠纷1200余起。",
       "Political-legal officers set up legal information stands at the food expo and "
       "answered visitors' legal questions.\n\n"
       "The city's political-legal organs keep up the “four must-visits, six must-enters” "
       "outreach: visiting everyone they serve, special groups, people in hardship and "
       "struggling businesses, and going into villages, communities, neighbourhoods, "
       "businesses, schools and government offices. So far they have made more than 20,000 "
       "visits to residents, held more than 100 law-publicity events and lectures and "
       "resolved more than 1,200 disputes.")),
    (AnnouncementCategory.news, False, date(2021, 6, 18),
     T("市政法队伍教育整顿“回头看”工作部署会议召开",
       "City launches the look-back review of the education and rectification"),
     T("总结提升阶段突出抓好持续整改、建章立制、总结评估，组织开展“回头看”。",
       "The review stage focuses on continued rectification, new rules and evaluation, with "
       "a look-back review."),
     T("市政法队伍教育整顿“回头看”工作部署会议召开。\n\n"
       "在总结提升阶段，各级党委政法委和政法单位汇总案件线索核查、顽瘴痼疾整治总体情况和存量，"
       "分门别类建立深化整改台账，列出整改清单，实现彻底整改、强化跟踪问效，组织开展“回头看”，"
       "进一步检验教育整顿效果。\n\n"
       "我市把顽瘴痼疾整治与政法领域全面深化改革相结合，完善执法司法监督制约、素质能力提升等机制606项。",
       "The city held its meeting to launch the look-back review of the campaign.\n\n"
       "In the review and consolidation stage, political-legal committees and units at every "
       "level summed up the verification of leads and the remedy of chronic problems, set up "
       "a ledger of further rectification by category with a list of measures, followed each "
       "one up, and organised a look-back review to test the results.\n\n"
       "Combining the remedy of chronic problems with reform of the political-legal field, "
       "the city has established or improved 606 mechanisms for oversight of law enforcement "
       "and justice and for skills.")),
]

# Intake categories (moderation.intake.models.Category), keyed by code. Citizens pick a
# suggestion topic; moderators classify tips. Added by the intake engineer.
SUGGESTION_TOPICS = [
    ("sugg-service", T("执法司法为民服务", "Service to the public in law enforcement and justice")),
    ("sugg-efficiency", T("办事效率与便民措施", "Efficiency and convenience measures")),
    ("sugg-conduct", T("队伍作风与纪律", "Staff conduct and discipline")),
    ("sugg-openness", T("执法司法公开", "Openness of law enforcement and justice")),
    ("sugg-mechanism", T("制度机制建设", "Rules and mechanisms")),
    ("sugg-other", T("其他意见建议", "Other suggestions")),
]
TIP_CATEGORIES = [
    ("tip-bribery", T("索贿受贿、吃拿卡要", "Bribery and demands for favours")),
    ("tip-abuse", T("滥用职权、违法办案", "Abuse of power and unlawful case handling")),
    ("tip-protection", T("充当黑恶势力“保护伞”", "Protecting criminal gangs")),
    ("tip-interference", T("违规干预过问案件", "Improper interference in cases")),
    ("tip-conduct", T("作风不正、态度恶劣", "Poor conduct and attitude")),
    ("tip-other", T("其他违纪违法问题", "Other misconduct")),
]
