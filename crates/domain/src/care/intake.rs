//! The intake conversation, answered by each client privately before the
//! first sessions: the five topics of a first sex-therapy conversation
//! (health, sex education, sexual background, beliefs, gender-related
//! challenges), the concerns that bring them, their goals in their own
//! words, how they would like to be seen, earlier therapy, and two gates the
//! therapist reads first: unwanted experiences (pace the work) and safety.
//! Nothing is required. The therapist's summary carries flags that suggest,
//! never diagnose (CLINICAL.md, "Medicines and conditions").
use crate::FieldErrors;

/// The longest answer to one free-text question, in characters.
pub const ANSWER_MAX: usize = 4_000;

/// A medicine group a client can tick, with the words they read.
pub struct Choice {
    pub slug: &'static str,
    pub label: &'static str,
}

/// Medicines that often affect sexual function (examples, in everyday words).
pub const MEDICINES: [Choice; 6] = [
    Choice { slug: "antidepressants", label: "Antidepressants (for example SSRIs or SNRIs)" },
    Choice {
        slug: "blood_pressure",
        label: "Medicines for blood pressure or the heart (for example beta-blockers or water tablets)",
    },
    Choice { slug: "antipsychotics", label: "Antipsychotic medicines" },
    Choice { slug: "hormonal_contraception", label: "Hormonal contraception" },
    Choice { slug: "opioids", label: "Strong pain medicines (opioids)" },
    Choice { slug: "hormone_blockers", label: "Hormone-blocking medicines, including for the prostate or hair loss" },
];

/// Conditions that often affect sexual function.
pub const CONDITIONS: [Choice; 11] = [
    Choice { slug: "diabetes", label: "Diabetes" },
    Choice { slug: "heart", label: "Heart or blood-vessel disease" },
    Choice { slug: "high_blood_pressure", label: "High blood pressure" },
    Choice { slug: "pelvic_surgery", label: "Surgery or radiotherapy in the pelvis" },
    Choice { slug: "prostate", label: "Prostate treatment" },
    Choice { slug: "menopause", label: "Menopause, or a birth in the last year" },
    Choice { slug: "endometriosis", label: "Endometriosis" },
    Choice { slug: "vulvodynia", label: "Pain in the vulva (vulvodynia)" },
    Choice { slug: "multiple_sclerosis", label: "Multiple sclerosis" },
    Choice { slug: "spinal_cord", label: "Spinal cord injury" },
    Choice { slug: "depression", label: "Depression" },
];

/// How the client would like to be seen.
pub const FORMATS: [Choice; 4] = [
    Choice { slug: "alone", label: "On my own" },
    Choice { slug: "together", label: "Together with my partner" },
    Choice { slug: "mix", label: "A mix of both" },
    Choice { slug: "unsure", label: "I am not sure yet" },
];

/// The unwanted-experience gate.
pub const EXPERIENCE: [Choice; 3] = [
    Choice { slug: "no", label: "No" },
    Choice { slug: "yes", label: "Yes" },
    Choice { slug: "in_person", label: "I would rather talk about it in a session" },
];

/// The safety gate.
pub const SAFETY: [Choice; 3] = [
    Choice { slug: "yes", label: "Yes" },
    Choice { slug: "no", label: "No" },
    Choice { slug: "rather_not_say", label: "I would rather not say here" },
];

/// One client's answers. Every field may stay empty.
#[derive(Debug, Clone, Default, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
#[serde(default)]
pub struct IntakeAnswers {
    /// Slugs of [`CONDITIONS`].
    pub conditions: Vec<String>,
    /// Slugs of [`MEDICINES`].
    pub medicines: Vec<String>,
    /// Health in their words: conditions, medicines, surgery, pregnancy, menopause.
    pub health: String,
    pub alcohol_and_drugs: String,
    /// What they learned about sex, where, and what was missing.
    pub sex_education: String,
    /// Sexual history and relationships.
    pub sexual_background: String,
    /// Orientation and identity, in their own words.
    pub identity: String,
    /// Culture, faith, messages received about sex.
    pub beliefs: String,
    pub gender_challenges: String,
    /// Slugs of the concern reference list.
    pub concerns: Vec<String>,
    /// Goals in their own words.
    pub goals: String,
    /// A slug of [`FORMATS`], or empty.
    pub format: String,
    pub previous_therapy: String,
    /// A slug of [`EXPERIENCE`], or empty.
    pub unwanted_experience: String,
    /// A slug of [`SAFETY`], or empty.
    pub feels_safe: String,
}

/// What the therapist should read first.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Flag {
    /// Medicines or conditions that may affect sexual function, by label:
    /// consider a referral to a physician.
    PhysicalFactors(Vec<&'static str>),
    /// An unwanted experience, or one they want to talk about in person:
    /// pace the work, trauma-informed first.
    Trauma,
    /// They do not feel safe: ask about safety before any joint session.
    Safety,
}

impl Flag {
    /// The flag in the therapist's words.
    pub fn text(&self) -> String {
        match self {
            Flag::PhysicalFactors(labels) => {
                format!("May affect sexual function: {}. Consider a referral to a physician.", labels.join("; "))
            }
            Flag::Trauma => "An unwanted experience was mentioned, or is to be talked about in person: pace the \
                work and consider trauma-informed care first."
                .to_string(),
            Flag::Safety => "The client does not feel safe: ask about safety before any joint session.".to_string(),
        }
    }
}

fn labels(choices: &[Choice], slugs: &[String]) -> Vec<&'static str> {
    choices.iter().filter(|c| slugs.iter().any(|s| s == c.slug)).map(|c| c.label).collect()
}

/// The label of a chosen slug, or empty.
pub fn label_of(choices: &[Choice], slug: &str) -> &'static str {
    choices.iter().find(|c| c.slug == slug).map_or("", |c| c.label)
}

impl IntakeAnswers {
    /// The free-text answers: (field, text).
    pub fn texts(&self) -> [(&'static str, &str); 9] {
        [
            ("health", &self.health),
            ("alcohol_and_drugs", &self.alcohol_and_drugs),
            ("sex_education", &self.sex_education),
            ("sexual_background", &self.sexual_background),
            ("identity", &self.identity),
            ("beliefs", &self.beliefs),
            ("gender_challenges", &self.gender_challenges),
            ("goals", &self.goals),
            ("previous_therapy", &self.previous_therapy),
        ]
    }

    /// Every problem, beside its field: answers over [`ANSWER_MAX`], and
    /// choices that are not offered (`concern_known` says whether a concern
    /// slug is in the reference list).
    pub fn check(&self, concern_known: impl Fn(&str) -> bool) -> FieldErrors {
        let mut errors = FieldErrors::new();
        for (field, text) in self.texts() {
            if text.chars().count() > ANSWER_MAX {
                errors.add(field, format!("Use at most {ANSWER_MAX} characters; you can say more in a session."));
            }
        }
        let known = |choices: &[Choice], slug: &str| choices.iter().any(|c| c.slug == slug);
        if !self.conditions.iter().all(|s| known(&CONDITIONS, s)) {
            errors.add("conditions", "Choose from the list.");
        }
        if !self.medicines.iter().all(|s| known(&MEDICINES, s)) {
            errors.add("medicines", "Choose from the list.");
        }
        if !self.concerns.iter().all(|s| concern_known(s)) {
            errors.add("concerns", "Choose from the list.");
        }
        for (field, value, choices) in [
            ("format", &self.format, &FORMATS[..]),
            ("unwanted_experience", &self.unwanted_experience, &EXPERIENCE[..]),
            ("feels_safe", &self.feels_safe, &SAFETY[..]),
        ] {
            if !value.is_empty() && !known(choices, value) {
                errors.add(field, "Choose one of the answers offered.");
            }
        }
        errors
    }

    /// The flags for the therapist, most urgent first.
    pub fn flags(&self) -> Vec<Flag> {
        let mut flags = Vec::new();
        if self.feels_safe == "no" {
            flags.push(Flag::Safety);
        }
        if matches!(self.unwanted_experience.as_str(), "yes" | "in_person") {
            flags.push(Flag::Trauma);
        }
        let mut physical = labels(&MEDICINES, &self.medicines);
        physical.extend(labels(&CONDITIONS, &self.conditions));
        if !physical.is_empty() {
            flags.push(Flag::PhysicalFactors(physical));
        }
        flags
    }

    /// Whether nothing was answered yet.
    pub fn is_empty(&self) -> bool {
        *self == IntakeAnswers::default()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn flags_suggest_a_referral_pacing_and_safety_first() {
        let answers = IntakeAnswers {
            medicines: vec!["antidepressants".into()],
            conditions: vec!["diabetes".into()],
            unwanted_experience: "in_person".into(),
            feels_safe: "no".into(),
            ..IntakeAnswers::default()
        };
        let flags = answers.flags();
        assert_eq!(flags[0], Flag::Safety);
        assert_eq!(flags[1], Flag::Trauma);
        assert_eq!(flags[2], Flag::PhysicalFactors(vec!["Antidepressants (for example SSRIs or SNRIs)", "Diabetes"]));
        assert!(flags[2].text().ends_with("Consider a referral to a physician."));
        assert!(IntakeAnswers::default().flags().is_empty(), "nothing answered, nothing flagged");
        let no = IntakeAnswers { unwanted_experience: "no".into(), feels_safe: "yes".into(), ..Default::default() };
        assert!(no.flags().is_empty());
    }

    #[test]
    fn answers_are_checked_field_by_field_and_nothing_is_required() {
        assert!(IntakeAnswers::default().check(|_| true).is_empty());
        let wrong = IntakeAnswers {
            goals: "x".repeat(ANSWER_MAX + 1),
            medicines: vec!["aspirin".into()],
            concerns: vec!["unknown".into()],
            feels_safe: "maybe".into(),
            ..IntakeAnswers::default()
        };
        let errors = wrong.check(|slug| slug == "low-desire");
        let fields: Vec<&str> = errors.iter().map(|(field, _)| field).collect();
        assert_eq!(fields, ["goals", "medicines", "concerns", "feels_safe"]);
    }

    #[test]
    fn answers_round_trip_and_missing_fields_read_as_empty() {
        let answers = IntakeAnswers { goals: "Feel close again".into(), ..IntakeAnswers::default() };
        let json = serde_json::to_string(&answers).unwrap();
        assert_eq!(serde_json::from_str::<IntakeAnswers>(&json).unwrap(), answers);
        assert_eq!(serde_json::from_str::<IntakeAnswers>("{}").unwrap(), IntakeAnswers::default());
    }
}
