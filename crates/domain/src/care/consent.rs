//! Consents a client signs electronically: the documents Sensate ships in
//! its own words (CLINICAL.md, "Consents"), a practice's own versions of
//! them, the exact text a person signs, and what a signature must carry.
//! A signature counts for the text it froze: when the text changes (a new
//! version, or another confidentiality policy for the couple), it is asked
//! for again.
use jiff::{SignedDuration, Timestamp};

use super::ConfidentialityPolicy;

/// A kind of consent document.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum ConsentKind {
    /// Informed consent to sex therapy: what it is and is not, its course,
    /// fees, confidentiality and its limits.
    SexTherapy,
    /// Sessions by video: its limits, location, emergencies, privacy.
    Telehealth,
    /// A couple's confidentiality policy, as the therapist chose it for
    /// their case; each partner signs.
    CouplePolicy,
    /// A release of information: the practice may share named information
    /// with a named recipient for a purpose until a date (`release`). Each
    /// client signs their own, and may revoke it.
    Release,
}

impl ConsentKind {
    pub const ALL: [ConsentKind; 4] =
        [ConsentKind::SexTherapy, ConsentKind::Telehealth, ConsentKind::CouplePolicy, ConsentKind::Release];

    pub fn as_str(self) -> &'static str {
        match self {
            ConsentKind::SexTherapy => "sex_therapy",
            ConsentKind::Telehealth => "telehealth",
            ConsentKind::CouplePolicy => "couple_policy",
            ConsentKind::Release => "release",
        }
    }

    pub fn parse(value: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|kind| kind.as_str() == value)
    }

    /// Its name in addresses and forms, which stay in a browser's history:
    /// neutral words that name neither the service nor a concern.
    pub fn key(self) -> &'static str {
        match self {
            ConsentKind::SexTherapy => "care",
            ConsentKind::Telehealth => "video",
            ConsentKind::CouplePolicy => "couple",
            ConsentKind::Release => "release",
        }
    }

    pub fn from_key(key: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|kind| kind.key() == key)
    }

    /// Sensate's own text, used until the practice publishes its own.
    pub fn default_text(self) -> (&'static str, &'static str) {
        match self {
            ConsentKind::SexTherapy => (SEX_THERAPY_TITLE, SEX_THERAPY_BODY),
            ConsentKind::Telehealth => (TELEHEALTH_TITLE, TELEHEALTH_BODY),
            ConsentKind::CouplePolicy => (COUPLE_POLICY_TITLE, COUPLE_POLICY_BODY),
            ConsentKind::Release => (RELEASE_TITLE, RELEASE_BODY),
        }
    }
}

const SEX_THERAPY_TITLE: &str = "Consent to sex therapy";
const SEX_THERAPY_BODY: &str = "\
What sex therapy is. Sex therapy is talk therapy with a licensed clinician who has training in human sexuality. It helps with concerns about desire, arousal, pain, closeness and relationships, for one person or for a couple. Sessions may be with you alone, with you and your partner together, or a mix, as you and your therapist agree.

What never happens. There is never any physical or sexual contact between you and your therapist. Nobody undresses, and your therapist does not demonstrate anything. Sessions are conversations.

Exercises between sessions. Your therapist may suggest exercises, reading or conversations to try between sessions. You do them in private, at your own pace, and you may decline any of them.

The course of therapy. The first sessions cover your health, what you learned about sex, your background, your beliefs and your goals. Together you agree on a plan. Several sessions are usual. You may ask questions, pause or stop at any time.

Fees and cancellation. Fees are those the practice publishes. An appointment you cannot keep can be cancelled or moved online until the practice's notice period before it starts, shown with each appointment.

Confidentiality and its limits. What you share stays confidential. The law allows or requires your therapist to share information only in a few situations: a serious risk of harm to you or to someone else, suspected abuse of a child or of a vulnerable adult, or an order of a court. For couples, the confidentiality policy you both sign also applies.

Recording. Sessions are never recorded unless you agree to it separately and in writing.";

const TELEHEALTH_TITLE: &str = "Consent to sessions by video";
const TELEHEALTH_BODY: &str = "\
Your choice. Sessions by video are offered for your convenience. Where the practice sees clients in person, you may ask for that instead at any time.

Privacy and its limits. The video connection is encrypted, but no technology is free of risk. Join from a private place where you cannot be overheard, on a device and network you trust. Neither you nor your therapist records a session.

Where you are. Your therapist may work only where they are licensed, so at the start of each session you confirm where you are.

Emergencies. Keep your phone number up to date with the practice. If you are in danger during a session, your therapist may contact emergency services where you are.

If the connection drops. Your therapist tries to reconnect for a few minutes, then calls you at the number the practice has for you.";

const COUPLE_POLICY_TITLE: &str = "How we keep what one partner shares alone";
const COUPLE_POLICY_BODY: &str = "\
In couple therapy, each partner may sometimes speak with the therapist alone, in a session or in a message. Before the work starts, your therapist chooses how what one partner shares alone is handled, and both of you sign it.";

const RELEASE_TITLE: &str = "Release of information";
const RELEASE_BODY: &str = "\
What this allows. You allow the practice to share the information named below with the recipient named below, for the purpose named below, and for nothing else.

Your choice. You do not have to sign. Your therapy does not depend on it.

Revoking. You can revoke this permission at any time in your portal, under Documents. Revoking stops any further sharing; it cannot undo what was shared before.

After sharing. Once the recipient has the information, the privacy rules that protect it at the practice may no longer protect it there.

Couples. In couple therapy, each partner decides only about information about themselves.";

/// What follows the couple's policy in the text both partners sign,
/// whatever the policy.
const SAFETY_EXCEPTION: &str = "Whatever the policy, if one of you tells the therapist about abuse, it is never shared \
    where telling would put anyone in danger.";

/// The statement a signer confirms together with their typed name.
pub const SIGNING_STATEMENT: &str =
    "I have read this document, I understand it, and I sign it electronically by typing my full name.";

/// How recently a signer must have signed in for the signature to be
/// recorded as made by a freshly verified session.
pub const VERIFIED_WINDOW: SignedDuration = SignedDuration::from_mins(15);

/// Longest title and text a practice may publish.
pub const TITLE_MAX: usize = 120;
pub const BODY_MAX: usize = 20_000;
/// Longest typed name.
pub const TYPED_NAME_MAX: usize = 200;

/// The exact text a person signs: the document's title and body, and for a
/// couple's policy the policy chosen for their case and the safety
/// exception. Its hash identifies what was signed.
pub fn text_to_sign(kind: ConsentKind, title: &str, body: &str, policy: Option<ConfidentialityPolicy>) -> String {
    let mut text = format!("{}\n\n{}", title.trim(), body.trim());
    if kind == ConsentKind::CouplePolicy {
        if let Some(policy) = policy {
            text.push_str(&format!("\n\nThe policy for your therapy: {}. {}", policy.label(), policy.summary()));
        }
        text.push_str("\n\n");
        text.push_str(SAFETY_EXCEPTION);
    }
    text
}

/// Why a typed name was refused.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum NameRefusal {
    #[error("Type your full name to sign.")]
    Empty,
    #[error("Use at most 200 characters, on one line.")]
    TooLong,
    #[error("Type your full name as your account knows it: it must include \u{201c}{0}\u{201d}.")]
    Mismatch(String),
}

fn words(text: &str) -> Vec<String> {
    text.split_whitespace().map(str::to_lowercase).collect()
}

/// A typed name, checked against the name on the account: every word of
/// it must be there (a full name may add words, such as a family name the
/// account leaves out). Returns the name as typed, spaces tidied.
pub fn check_typed_name(typed: &str, account_name: &str) -> Result<String, NameRefusal> {
    let tidy = typed.split_whitespace().collect::<Vec<_>>().join(" ");
    if tidy.is_empty() {
        return Err(NameRefusal::Empty);
    }
    if tidy.chars().count() > TYPED_NAME_MAX || typed.chars().any(char::is_control) {
        return Err(NameRefusal::TooLong);
    }
    let typed_words = words(&tidy);
    if !words(account_name).iter().all(|word| typed_words.contains(word)) {
        return Err(NameRefusal::Mismatch(account_name.trim().to_string()));
    }
    Ok(tidy)
}

/// Whether a session that signed in at `signed_in_at` counts as freshly
/// verified at `now`.
pub fn recently_verified(signed_in_at: Timestamp, now: Timestamp) -> bool {
    now.duration_since(signed_in_at) <= VERIFIED_WINDOW
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn kinds_read_back_and_ship_a_text_in_professional_words() {
        for kind in ConsentKind::ALL {
            assert_eq!(ConsentKind::parse(kind.as_str()), Some(kind));
            assert_eq!(ConsentKind::from_key(kind.key()), Some(kind));
            assert!(!crate::discretion::names_the_service(kind.key()), "{}", kind.key());
            let (title, body) = kind.default_text();
            assert!(title.len() <= TITLE_MAX && !body.is_empty() && body.len() <= BODY_MAX);
        }
        let (_, body) = ConsentKind::SexTherapy.default_text();
        for must in [
            "never any physical or sexual contact",
            "Nobody undresses",
            "in private",
            "Fees",
            "confidential",
            "recorded",
        ] {
            assert!(body.to_lowercase().contains(&must.to_lowercase()), "{must}");
        }
    }

    #[test]
    fn a_couples_text_carries_its_policy_and_the_safety_exception() {
        let (title, body) = ConsentKind::CouplePolicy.default_text();
        let limited = text_to_sign(ConsentKind::CouplePolicy, title, body, Some(ConfidentialityPolicy::LimitedSecrets));
        assert!(limited.contains("The policy for your therapy: Limited secrets."));
        assert!(limited.ends_with(SAFETY_EXCEPTION));
        let none = text_to_sign(ConsentKind::CouplePolicy, title, body, Some(ConfidentialityPolicy::NoSecrets));
        assert_ne!(limited, none, "another policy is another text to sign");
        let (title, body) = ConsentKind::Telehealth.default_text();
        assert_eq!(text_to_sign(ConsentKind::Telehealth, title, body, None), format!("{title}\n\n{body}"));
    }

    #[test]
    fn a_typed_name_must_hold_the_accounts_name() {
        assert_eq!(check_typed_name("  Robin   Smith ", "Robin"), Ok("Robin Smith".into()));
        assert_eq!(check_typed_name("alex kim", "Alex Kim"), Ok("alex kim".into()));
        assert_eq!(check_typed_name("Alex", "Alex Kim"), Err(NameRefusal::Mismatch("Alex Kim".into())));
        assert_eq!(check_typed_name("Sam", "Robin"), Err(NameRefusal::Mismatch("Robin".into())));
        assert_eq!(check_typed_name("   ", "Robin"), Err(NameRefusal::Empty));
        assert_eq!(check_typed_name(&"Robin ".repeat(50), "Robin"), Err(NameRefusal::TooLong));
        assert_eq!(check_typed_name("Robin\u{7}", "Robin"), Err(NameRefusal::TooLong));
    }

    #[test]
    fn a_session_counts_as_freshly_verified_for_fifteen_minutes() {
        let signed_in: Timestamp = "2026-12-01T10:00:00Z".parse().unwrap();
        assert!(recently_verified(signed_in, signed_in + SignedDuration::from_mins(15)));
        assert!(!recently_verified(signed_in, signed_in + SignedDuration::from_mins(16)));
    }
}
