//! "Who attends" as the forms send it — the booking form for new
//! appointments and the appointment's page — read into the clients who
//! attend. The rule itself is [`attendance::attendees`].
use sensate_domain::UserId;
use sensate_domain::scheduling::CaseKind;
use sensate_domain::scheduling::attendance::{self, AttendanceRefusal};

/// The value for a session with every client of the case.
pub const EVERYONE: &str = "everyone";

/// Who attends, as chosen: [`EVERYONE`] (or nothing), or one client's id.
pub(crate) fn read_attendees(
    value: &str,
    kind: CaseKind,
    clients: &[UserId],
) -> Result<Vec<UserId>, AttendanceRefusal> {
    let one = match value.trim() {
        "" | EVERYONE => None,
        // What is not an id is nobody in the case.
        other => Some(other.parse::<UserId>().map_err(|_| AttendanceRefusal::NotInCase)?),
    };
    attendance::attendees(kind, clients, one)
}
