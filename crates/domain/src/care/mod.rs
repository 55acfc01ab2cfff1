//! The care record's rules: a case (an episode of care) moves through its
//! statuses, has a care team, and, for a couple, a confidentiality policy
//! chosen by the therapist (CLINICAL.md, "Consents"), and consents each
//! person signs ([`consent`]). Pure: the app asks, the store keeps.
pub mod consent;
pub mod intake;
pub mod messages;
pub mod release;

use crate::scheduling::CaseKind;

/// Where an episode of care stands.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum CaseStatus {
    /// The first conversations: consents, intake, a first plan.
    Intake,
    /// Clinical work under way.
    Active,
    /// On hold (a break the client asked for, an illness, a referral first).
    Paused,
    /// Closed. Reached only through discharge, which writes its summary.
    Discharged,
}

impl CaseStatus {
    pub const ALL: [CaseStatus; 4] =
        [CaseStatus::Intake, CaseStatus::Active, CaseStatus::Paused, CaseStatus::Discharged];

    pub fn as_str(self) -> &'static str {
        match self {
            CaseStatus::Intake => "intake",
            CaseStatus::Active => "active",
            CaseStatus::Paused => "paused",
            CaseStatus::Discharged => "discharged",
        }
    }

    pub fn parse(value: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|status| status.as_str() == value)
    }

    pub fn label(self) -> &'static str {
        match self {
            CaseStatus::Intake => "Intake",
            CaseStatus::Active => "Active",
            CaseStatus::Paused => "Paused",
            CaseStatus::Discharged => "Discharged",
        }
    }

    /// Whether the episode is still open (anything but discharged).
    pub fn is_open(self) -> bool {
        self != CaseStatus::Discharged
    }

    /// The statuses a therapist may move an open case to by hand. Discharge
    /// is not among them: it closes the case with a signed summary.
    pub fn next(self) -> &'static [CaseStatus] {
        match self {
            CaseStatus::Intake => &[CaseStatus::Active, CaseStatus::Paused],
            CaseStatus::Active => &[CaseStatus::Paused],
            CaseStatus::Paused => &[CaseStatus::Active],
            CaseStatus::Discharged => &[],
        }
    }
}

/// Why a change of a case was refused; the words are shown to staff.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
pub enum CaseRefusal {
    #[error("A case can move from {from} to {to} only through discharge or not at all.")]
    NotAllowed { from: &'static str, to: &'static str },
    #[error("Choose the couple's confidentiality policy before clinical work starts.")]
    PolicyFirst,
    #[error("Both partners sign the confidentiality policy before clinical work starts.")]
    SignaturesFirst,
    #[error("Only a couple's case has a confidentiality policy.")]
    NotACouple,
    #[error("This case is discharged; it cannot be changed.")]
    Closed,
}

/// Whether an open case may move from `from` to `to`: a couple's clinical
/// work starts only once its confidentiality policy is chosen and
/// `policy_signed` (by both partners, as it reads now).
pub fn check_status_change(
    from: CaseStatus,
    to: CaseStatus,
    kind: CaseKind,
    policy: Option<ConfidentialityPolicy>,
    policy_signed: bool,
) -> Result<(), CaseRefusal> {
    if from == CaseStatus::Discharged {
        return Err(CaseRefusal::Closed);
    }
    if !from.next().contains(&to) {
        return Err(CaseRefusal::NotAllowed { from: from.label(), to: to.label() });
    }
    if to == CaseStatus::Active && kind == CaseKind::Couple {
        if policy.is_none() {
            return Err(CaseRefusal::PolicyFirst);
        }
        if !policy_signed {
            return Err(CaseRefusal::SignaturesFirst);
        }
    }
    Ok(())
}

/// Whether the therapist may choose (or change) a case's policy.
pub fn check_policy_choice(status: CaseStatus, kind: CaseKind) -> Result<(), CaseRefusal> {
    if kind != CaseKind::Couple {
        return Err(CaseRefusal::NotACouple);
    }
    if status == CaseStatus::Discharged {
        return Err(CaseRefusal::Closed);
    }
    Ok(())
}

/// What a member of the care team does besides the primary therapist.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum CareRole {
    /// Treats with the primary therapist: sees and writes what they do.
    CoTherapist,
    /// Oversees the work: reads, never writes.
    Supervisor,
}

impl CareRole {
    pub const ALL: [CareRole; 2] = [CareRole::CoTherapist, CareRole::Supervisor];

    pub fn as_str(self) -> &'static str {
        match self {
            CareRole::CoTherapist => "co_therapist",
            CareRole::Supervisor => "supervisor",
        }
    }

    pub fn parse(value: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|role| role.as_str() == value)
    }

    pub fn label(self) -> &'static str {
        match self {
            CareRole::CoTherapist => "Co-therapist",
            CareRole::Supervisor => "Supervisor (reads only)",
        }
    }
}

/// How what one partner tells the therapist alone is handled in a couple's
/// therapy. Chosen per case by the therapist and signed by both partners
/// before clinical work starts.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum ConfidentialityPolicy {
    /// The couple is the client: what one partner shares alone may be
    /// brought into joint sessions when it matters for the work.
    NoSecrets,
    /// The therapist keeps some confidences for a time and works with the
    /// partner towards sharing them.
    LimitedSecrets,
    /// What each partner shares alone stays with the therapist.
    IndividualConfidentiality,
}

impl ConfidentialityPolicy {
    pub const ALL: [ConfidentialityPolicy; 3] = [
        ConfidentialityPolicy::NoSecrets,
        ConfidentialityPolicy::LimitedSecrets,
        ConfidentialityPolicy::IndividualConfidentiality,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            ConfidentialityPolicy::NoSecrets => "no_secrets",
            ConfidentialityPolicy::LimitedSecrets => "limited_secrets",
            ConfidentialityPolicy::IndividualConfidentiality => "individual",
        }
    }

    pub fn parse(value: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|policy| policy.as_str() == value)
    }

    pub fn label(self) -> &'static str {
        match self {
            ConfidentialityPolicy::NoSecrets => "No secrets",
            ConfidentialityPolicy::LimitedSecrets => "Limited secrets",
            ConfidentialityPolicy::IndividualConfidentiality => "Individual confidentiality",
        }
    }

    /// What it means, in plain words, for the therapist choosing and the
    /// partners reading it. A disclosure of abuse is never shared where
    /// telling would put someone in danger, whatever the policy.
    pub fn summary(self) -> &'static str {
        match self {
            ConfidentialityPolicy::NoSecrets => {
                "The couple is the client. What one partner tells the therapist alone may be brought into joint \
                 sessions when it matters for the work together."
            }
            ConfidentialityPolicy::LimitedSecrets => {
                "The therapist may keep something one partner shares alone for a time, and works with that partner \
                 towards sharing it when it matters for the work together."
            }
            ConfidentialityPolicy::IndividualConfidentiality => {
                "What each partner tells the therapist alone stays between them and the therapist."
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use CaseStatus::*;

    #[test]
    fn names_read_back() {
        for status in CaseStatus::ALL {
            assert_eq!(CaseStatus::parse(status.as_str()), Some(status));
        }
        for role in CareRole::ALL {
            assert_eq!(CareRole::parse(role.as_str()), Some(role));
        }
        for policy in ConfidentialityPolicy::ALL {
            assert_eq!(ConfidentialityPolicy::parse(policy.as_str()), Some(policy));
        }
        assert_eq!(CaseStatus::parse("open"), None);
    }

    #[test]
    fn an_open_case_moves_by_hand_but_closes_only_by_discharge() {
        let individual = |from, to| check_status_change(from, to, CaseKind::Individual, None, false);
        assert_eq!(individual(Intake, Active), Ok(()));
        assert_eq!(individual(Intake, Paused), Ok(()));
        assert_eq!(individual(Active, Paused), Ok(()));
        assert_eq!(individual(Paused, Active), Ok(()));
        assert_eq!(individual(Active, Intake), Err(CaseRefusal::NotAllowed { from: "Active", to: "Intake" }));
        assert!(matches!(individual(Active, Discharged), Err(CaseRefusal::NotAllowed { .. })));
        assert!(matches!(individual(Active, Active), Err(CaseRefusal::NotAllowed { .. })));
        assert_eq!(individual(Discharged, Active), Err(CaseRefusal::Closed));
    }

    #[test]
    fn a_couples_work_starts_only_once_its_policy_is_chosen_and_signed() {
        let couple = |policy, signed| check_status_change(Intake, Active, CaseKind::Couple, policy, signed);
        assert_eq!(couple(None, false), Err(CaseRefusal::PolicyFirst));
        assert_eq!(couple(Some(ConfidentialityPolicy::LimitedSecrets), false), Err(CaseRefusal::SignaturesFirst));
        assert_eq!(couple(Some(ConfidentialityPolicy::LimitedSecrets), true), Ok(()));
        // Pausing needs neither: a couple may stop before starting.
        assert_eq!(check_status_change(Intake, Paused, CaseKind::Couple, None, false), Ok(()));
        assert_eq!(check_policy_choice(Intake, CaseKind::Individual), Err(CaseRefusal::NotACouple));
        assert_eq!(check_policy_choice(Active, CaseKind::Couple), Ok(()));
        assert_eq!(check_policy_choice(Discharged, CaseKind::Couple), Err(CaseRefusal::Closed));
    }
}
