//! Who attends an appointment of a case. A couple's therapy mixes joint
//! sessions with each partner's own, so an appointment of a couple's case
//! is either everyone's in the case or one partner's; an individual case's
//! one client attends every session.
use std::fmt;

use super::CaseKind;
use crate::UserId;

/// Why a choice of who attends is refused.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum AttendanceRefusal {
    /// Only a couple's case has a partner to name.
    IndividualCase,
    /// The person named is not a client of the case.
    NotInCase,
}

impl fmt::Display for AttendanceRefusal {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            AttendanceRefusal::IndividualCase => {
                "An individual case's client attends every session; choose “Everyone in the case”."
            }
            AttendanceRefusal::NotInCase => "Choose one of this couple's partners, or “Everyone in the case”.",
        })
    }
}

/// Who attends, as stored: empty for everyone in the case, or the one
/// partner named. `one` is the partner chosen, `None` for everyone.
pub fn attendees(kind: CaseKind, clients: &[UserId], one: Option<UserId>) -> Result<Vec<UserId>, AttendanceRefusal> {
    match (one, kind) {
        (None, _) => Ok(Vec::new()),
        (Some(_), CaseKind::Individual) => Err(AttendanceRefusal::IndividualCase),
        (Some(partner), CaseKind::Couple) if clients.contains(&partner) => Ok(vec![partner]),
        (Some(_), CaseKind::Couple) => Err(AttendanceRefusal::NotInCase),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_couple_session_is_joint_or_one_partners_own() {
        let (alex, riley, stranger) = (UserId::new(), UserId::new(), UserId::new());
        let couple = [alex, riley];
        assert_eq!(attendees(CaseKind::Couple, &couple, None), Ok(Vec::new()), "everyone");
        assert_eq!(attendees(CaseKind::Couple, &couple, Some(riley)), Ok(vec![riley]));
        assert_eq!(attendees(CaseKind::Couple, &couple, Some(stranger)), Err(AttendanceRefusal::NotInCase));
        assert_eq!(attendees(CaseKind::Individual, &[alex], None), Ok(Vec::new()));
        assert_eq!(attendees(CaseKind::Individual, &[alex], Some(alex)), Err(AttendanceRefusal::IndividualCase));
    }
}
