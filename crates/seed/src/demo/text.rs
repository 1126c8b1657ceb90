//! The words of the demo: generic, made-up supervision text. No real child appears anywhere:
//! case notes name a child only by invented initials and case reference, and records not at all.

use chrono::NaiveDate;
use haven_domain::record_content::{ActionReview, Decision, Gibbs, RecordContent};
use serde_json::{Value, json};
use uuid::Uuid;

use super::ids::Lcg;

pub const STANDARD_AGENDA: &str = "Review of previous actions; case discussion (agenda and case \
notes sent in advance); decisions and reasons; training undertaken and planned; personal \
factors and wellbeing; reflection (Gibbs' cycle); agreed actions; date of next session.";

pub const CONFIDENTIALITY: &str = "What is discussed stays between the parties, except where a \
child or adult is at risk of harm, where the trust's safeguarding policy requires it to be \
shared, or where the Trust Strategic Safeguarding Lead reads records by exception.";

pub const DIVERSITY: &str = "Both parties will be mindful of differences of culture, faith, \
disability, gender, sexuality and power in the relationship, and will raise them openly.";

pub const CANCEL_REASONS: [&str; 5] = [
    "Supervisor called to a strategy meeting at short notice",
    "Supervisee absent through illness",
    "Child protection conference rescheduled onto this slot",
    "Academy closed for severe weather",
    "Ofsted inspection on site",
];

const AGENDA_ITEMS: [(&str, &str); 8] = [
    (
        "Cases open to children's social care",
        "Progress against plans; any drift.",
    ),
    (
        "Early help cases",
        "Whether step-up is needed for any case.",
    ),
    (
        "Attendance concerns",
        "Persistent absence linked to safeguarding.",
    ),
    (
        "Online safety incident",
        "Follow-up with families and the filtering provider.",
    ),
    (
        "Staff training",
        "Annual update completion and new starters.",
    ),
    (
        "Referral threshold queries",
        "Two cases where the threshold was unclear.",
    ),
    ("Workload and wellbeing", "Impact of the current caseload."),
    (
        "Multi-agency working",
        "Quality of responses from partner agencies.",
    ),
];

const ISSUES: [&str; 6] = [
    "The caseload has risen this half term; two cases were discussed in depth.",
    "Discussion focused on drift in one early help plan and on timely escalation.",
    "The supervisee described a difficult disclosure and how it was handled.",
    "Multi-agency meetings have been well attended; minutes are slow to arrive.",
    "Chronologies were sampled and found up to date.",
    "Thresholds for referral were discussed against the local partnership guidance.",
];

const DECISIONS: [(&str, &str); 5] = [
    (
        "Request a professionals' meeting",
        "Agencies hold different views of the risk.",
    ),
    (
        "Escalate using the partnership's resolution protocol",
        "No response to the referral in 10 working days.",
    ),
    (
        "Step down to early help",
        "Risk has reduced and the family are engaging.",
    ),
    (
        "Keep the case open at the current level",
        "Protective factors are not yet established.",
    ),
    (
        "Seek advice from the local authority designated officer",
        "An allegation needs consideration.",
    ),
];

pub const ACTIONS: [&str; 8] = [
    "Update the chronology after the core group meeting",
    "Chase the social worker for the strategy meeting minutes",
    "Arrange a professionals' meeting",
    "Complete the early help assessment review",
    "Book refresher training for new staff",
    "Share the attendance plan with the family support worker",
    "Check that the case file transfer has been received",
    "Meet the class teacher to agree a support plan",
];

const FEELINGS: [&str; 4] = [
    "Anxious about the pace of the response, then reassured.",
    "Frustrated with delays from partner agencies.",
    "Confident in the decisions taken, though tired.",
    "Concerned about the cumulative impact of the caseload.",
];

const WELLBEING: [&str; 4] = [
    "Workload manageable; protected time for DSL duties agreed with the head.",
    "Feeling the weight of recent cases; employee assistance programme discussed.",
    "Well supported by the deputy team; no concerns raised.",
    "Tired at the end of term; time off in lieu agreed.",
];

const TRAINING: [&str; 4] = [
    "Local partnership threshold briefing",
    "Online safety update",
    "Contextual safeguarding webinar",
    "Working Together update",
];

/// The words of one case note (Appendix 3).
pub struct CaseNoteText {
    pub update: &'static str,
    pub childs_view: &'static str,
    pub parents_views: &'static str,
    pub visiting_pattern: &'static str,
    pub risk: &'static str,
    pub protective: &'static str,
    pub outstanding: &'static str,
}

pub fn case_note(rng: &mut Lcg) -> CaseNoteText {
    CaseNoteText {
        update: rng.pick(&[
            "Core group met; plan reviewed and most actions complete.",
            "New concern logged by the class teacher; discussed with the family.",
            "Attendance has improved since the last review.",
            "Social worker changed; handover meeting arranged.",
        ]),
        childs_view: rng.pick(&[
            "Says they feel safe at school and like their key adult.",
            "Finds weekends difficult; wants more time with a grandparent.",
            "Did not want to talk this week; will try again with the key adult.",
        ]),
        parents_views: rng.pick(&[
            "Engaging with the plan and attending meetings.",
            "Feel the school is not listening; a meeting has been offered.",
            "Mother engaging; father not yet seen.",
        ]),
        visiting_pattern: rng.pick(&[
            "Social worker visits fortnightly.",
            "Family support worker weekly; social worker monthly.",
            "No statutory visits; early help worker every three weeks.",
        ]),
        risk: rng.pick(&[
            "Domestic abuse in the household; parental mental health.",
            "Neglect indicators: hygiene and missed health appointments.",
            "Online contact with unknown adults.",
        ]),
        protective: rng.pick(&[
            "Strong relationship with a key adult; wider family support.",
            "Good attendance; engaged in after-school club.",
            "Parent accepting help from services.",
        ]),
        outstanding: rng.pick(&[
            "Minutes of the last core group not yet received.",
            "Referral to the school nurse awaiting response.",
            "None.",
        ]),
    }
}

/// Invented initials in the case-note style, "A.B.".
pub fn initials(rng: &mut Lcg) -> String {
    const LETTERS: &[u8] = b"ABCDEFGHJKLMNPRSTW";
    let mut letter = || {
        let index = usize::try_from(rng.below(LETTERS.len() as u64)).unwrap_or(0);
        char::from(LETTERS.get(index).copied().unwrap_or(b'A'))
    };
    format!("{}.{}.", letter(), letter())
}

/// An agenda's items, as the supervisee sends them.
pub fn agenda(rng: &mut Lcg) -> Vec<Value> {
    let count = 2 + rng.below(3);
    let start = rng.below(AGENDA_ITEMS.len() as u64);
    (start..start + count)
        .filter_map(|n| AGENDA_ITEMS.get(usize::try_from(n).ok()? % AGENDA_ITEMS.len()))
        .map(|(title, notes)| json!({ "title": title, "notes": notes }))
        .collect()
}

/// What a record says about one session.
pub struct RecordFacts<'a> {
    /// Who attended, for a group session [CO].
    pub group_attendees: Vec<Uuid>,
    pub previous_actions: &'a [String],
    pub agenda: &'a [Value],
    pub next_session_on: Option<NaiveDate>,
}

/// The record's content, Appendix 2 with Gibbs' reflective cycle, as the store's own
/// [`RecordContent`] so it is read, amended and signed as an entered record is. The actions agreed
/// are rows of their own, as an entered record's are.
pub fn record(rng: &mut Lcg, facts: &RecordFacts<'_>) -> RecordContent {
    let (decision, reasons) = DECISIONS
        .get(usize::try_from(rng.below(DECISIONS.len() as u64)).unwrap_or(0))
        .copied()
        .unwrap_or_default();
    let issue = rng.pick(&ISSUES);
    let training_undertaken = rng.pick(&TRAINING);
    let training_planned = rng.pick(&TRAINING);
    let wellbeing = rng.pick(&WELLBEING);
    let description = rng.pick(&ISSUES);
    let feelings = rng.pick(&FEELINGS);
    RecordContent {
        review_of_previous_actions: facts
            .previous_actions
            .iter()
            .map(|description| ActionReview {
                description: description.clone(),
                progress: "Reviewed at this session.".to_owned(),
                ..ActionReview::default()
            })
            .collect(),
        agenda_items: facts
            .agenda
            .iter()
            .filter_map(|item| item.get("title").and_then(Value::as_str))
            .map(str::to_owned)
            .collect(),
        issues_discussed: vec![issue.to_owned()],
        decisions: vec![Decision {
            decision: decision.to_owned(),
            reasons: reasons.to_owned(),
        }],
        training_undertaken: vec![training_undertaken.to_owned()],
        training_planned: vec![training_planned.to_owned()],
        wellbeing: wellbeing.to_owned(),
        gibbs: Gibbs {
            description: description.to_owned(),
            feelings: feelings.to_owned(),
            evaluation: "The plan is working for most cases; one needs a sharper focus.".to_owned(),
            analysis: "Delays come from waiting for partners rather than from the school."
                .to_owned(),
            conclusion: "Escalate sooner when responses are late.".to_owned(),
            action_plan: "See the agreed actions.".to_owned(),
        },
        group_attendees: facts.group_attendees.clone(),
        next_session_on: facts.next_session_on,
    }
}

pub const DISAGREEMENT: &str = "I do not agree that the decision to keep the case at early help \
reflects what was discussed: I asked for it to be referred to children's social care.";

pub const ESCALATION_REASON: &str = "Supervisor and supervisee disagree about whether a case \
meets the threshold for referral; not resolved between them.";

pub const ESCALATION_OUTCOME: &str = "Met both parties. The case was referred to children's \
social care the same day; the record stands with the supervisee's view attached.";

/// The Appendix 4 yes/no checklist, mostly yes.
pub fn qa_checklist(rng: &mut Lcg) -> Value {
    const ITEMS: [&str; 9] = [
        "reflection_on_practice",
        "explored_alternatives",
        "dynamics_with_families",
        "effect_on_own_feelings",
        "constructive_feedback",
        "felt_supported",
        "workload_reviewed",
        "professional_development",
        "new_skills",
    ];
    let answers: serde_json::Map<String, Value> = ITEMS
        .iter()
        .map(|item| ((*item).to_owned(), Value::Bool(!rng.chance(12))))
        .collect();
    Value::Object(answers)
}

pub const QA_COMMENTS: [&str; 3] = [
    "Records are thorough and signed promptly; reflection is evident.",
    "Good challenge in sessions; actions could be more specific.",
    "Sessions held as planned; wellbeing discussion is brief and could be developed.",
];

pub const QA_KEY_ACTIONS: [&str; 3] = [
    "Make actions specific and time-bound.",
    "Continue as now.",
    "Give wellbeing its own agenda item.",
];
