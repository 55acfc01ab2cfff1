//! Who may do what: the one place authorization is decided.
//!
//! Every use case gathers the facts about the actor and the resource, asks
//! [`decide`], and acts only on [`Decision::Allow`]. The rules are pure data in,
//! decision out, so they are tested here as tables (see the tests), and the
//! integration tests check the routes apply them (the authorization matrix).
//!
//! Principles (SECURITY.md, Access control): deny by default; practices are
//! isolated from each other; staff must have passed MFA before any client
//! data is shown; a private clinical note is readable by its author only; one
//! partner never acts on the other partner's private data.
use crate::care::CareRole;
use crate::{PracticeId, Role, UserId};

/// What the actor asks to do.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Action {
    /// See the practice's figures and staff list.
    ViewPracticeOverview,
    /// Change the practice's name, time zone, address and contact details.
    EditPracticeSettings,
    /// Invite a therapist or an administrator.
    InviteStaff,
    /// Invite a client (alone or as a couple) to a therapist's care.
    InviteClient,
    /// List one's own clients (therapists).
    ListOwnClients,
    /// Disable (or re-enable) another person's account.
    DisableAccount,
    /// Read the audit log.
    ViewAuditLog,
    /// See a client's contact preferences (how they may be reached).
    ViewClientContact,
    /// Change a client's contact preferences.
    EditClientContact,
    /// Write a private clinical note about a client.
    WriteClinicalNote,
    /// Read a private clinical note.
    ReadClinicalNote,
    /// Change a therapist's directory profile, offices, licences and certifications.
    EditTherapistProfile,
    /// Record that a licence or certification was checked with its issuer.
    VerifyCredential,
    /// See every therapist's directory listing and the credentials awaiting verification.
    ManageDirectory,
    /// Define the kinds of session the practice offers (length, fee, formats).
    ManageSessionTypes,
    /// Change a clinician's bookable hours, buffers and days off.
    EditAvailability,
    /// See one appointment with its history; cancel, move or close it.
    ManageAppointment,
    /// See a clinician's week: sessions with clients' names, holds, requests.
    ViewSchedule,
    /// Book sessions (one, or a series) for a case of a clinician.
    ScheduleSessions,
    /// Confirm or decline a visitor's booking request.
    AnswerBookingRequest,
    /// Work in a practice: make it the one a session acts in.
    ActInPractice,
    /// See one's own sessions as a client and keep one's contact preferences.
    ViewOwnCare,
    /// See a case: its status, care team, confidentiality policy and clients.
    ViewCase,
    /// Move a case through its statuses and choose a couple's confidentiality policy.
    ManageCase,
    /// Add or remove a co-therapist or supervisor.
    AssignCareTeam,
    /// Sign one's own consents electronically.
    SignConsent,
    /// Read a client's signed consents (the frozen copies).
    ViewConsents,
    /// Publish the practice's own versions of its consent documents.
    ManageConsentDocuments,
    /// Read a client's intake answers.
    ReadIntake,
    /// Answer one's own intake.
    WriteIntake,
    /// Read a case's messages (each as its audience allows).
    ReadMessages,
    /// Write a message in a case.
    SendMessage,
}

impl Action {
    /// Every action, for lists such as the audit log's filter.
    pub const ALL: [Action; 32] = [
        Action::ViewPracticeOverview,
        Action::EditPracticeSettings,
        Action::InviteStaff,
        Action::InviteClient,
        Action::ListOwnClients,
        Action::DisableAccount,
        Action::ViewAuditLog,
        Action::ViewClientContact,
        Action::EditClientContact,
        Action::WriteClinicalNote,
        Action::ReadClinicalNote,
        Action::EditTherapistProfile,
        Action::VerifyCredential,
        Action::ManageDirectory,
        Action::ManageSessionTypes,
        Action::EditAvailability,
        Action::ManageAppointment,
        Action::ViewSchedule,
        Action::ScheduleSessions,
        Action::AnswerBookingRequest,
        Action::ActInPractice,
        Action::ViewOwnCare,
        Action::ViewCase,
        Action::ManageCase,
        Action::AssignCareTeam,
        Action::SignConsent,
        Action::ViewConsents,
        Action::ManageConsentDocuments,
        Action::ReadIntake,
        Action::WriteIntake,
        Action::ReadMessages,
        Action::SendMessage,
    ];

    /// The action's name in the audit log, in the log's one naming style.
    pub fn as_str(self) -> &'static str {
        match self {
            Action::ViewPracticeOverview => "view_practice_overview",
            Action::EditPracticeSettings => "edit_practice_settings",
            Action::InviteStaff => "invite_staff",
            Action::InviteClient => "invite_client",
            Action::ListOwnClients => "list_own_clients",
            Action::DisableAccount => "disable_account",
            Action::ViewAuditLog => "view_audit_log",
            Action::ViewClientContact => "view_client_contact",
            Action::EditClientContact => "edit_client_contact",
            Action::WriteClinicalNote => "write_clinical_note",
            Action::ReadClinicalNote => "read_clinical_note",
            Action::EditTherapistProfile => "edit_therapist_profile",
            Action::VerifyCredential => "verify_credential",
            Action::ManageDirectory => "manage_directory",
            Action::ManageSessionTypes => "manage_session_types",
            Action::EditAvailability => "edit_availability",
            Action::ManageAppointment => "manage_appointment",
            Action::ViewSchedule => "view_schedule",
            Action::ScheduleSessions => "schedule_sessions",
            Action::AnswerBookingRequest => "answer_booking_request",
            Action::ActInPractice => "act_in_practice",
            Action::ViewOwnCare => "view_own_care",
            Action::ViewCase => "view_case",
            Action::ManageCase => "manage_case",
            Action::AssignCareTeam => "assign_care_team",
            Action::SignConsent => "sign_consent",
            Action::ViewConsents => "view_consents",
            Action::ManageConsentDocuments => "manage_consent_documents",
            Action::ReadIntake => "read_intake",
            Action::WriteIntake => "write_intake",
            Action::ReadMessages => "read_messages",
            Action::SendMessage => "send_message",
        }
    }
}

/// The facts about the person asking.
#[derive(Debug, Clone)]
pub struct ActorFacts {
    pub user: UserId,
    pub roles: Vec<(PracticeId, Role)>,
    /// Whether this session has passed a second factor.
    pub mfa_verified: bool,
}

impl ActorFacts {
    fn has(&self, practice: PracticeId, role: Role) -> bool {
        self.roles.iter().any(|(p, r)| *p == practice && *r == role)
    }

    fn is_staff_in(&self, practice: PracticeId) -> bool {
        self.roles.iter().any(|(p, r)| *p == practice && r.is_staff())
    }
}

/// The facts about what is acted on.
#[derive(Debug, Clone)]
pub enum Resource {
    Practice(PracticeId),
    /// An account in a practice, with its roles there.
    Account {
        practice: PracticeId,
        user: UserId,
        roles: Vec<Role>,
    },
    /// A client: who treats them (through open cases) and their partners.
    Client {
        practice: PracticeId,
        client: UserId,
        clinicians: Vec<UserId>,
        partners: Vec<UserId>,
    },
    /// A private clinical note.
    ClinicalNote {
        practice: PracticeId,
        client: UserId,
        author: UserId,
        clinicians: Vec<UserId>,
    },
    /// An appointment, by the clinician it is with and the clients who
    /// attend it (a partner's own session in a couple's case: that partner).
    Appointment {
        practice: PracticeId,
        clinician: UserId,
        attendees: Vec<UserId>,
    },
    /// A case (an episode of care), by its care team.
    Case {
        practice: PracticeId,
        /// The primary therapist.
        primary: UserId,
        /// Co-therapists and supervisors.
        team: Vec<(UserId, CareRole)>,
    },
    /// One client's intake in a case, by the client and the case's care team.
    Intake {
        practice: PracticeId,
        client: UserId,
        primary: UserId,
        team: Vec<(UserId, CareRole)>,
    },
    /// A case's messages, by its clients and care team.
    Thread {
        practice: PracticeId,
        clients: Vec<UserId>,
        primary: UserId,
        team: Vec<(UserId, CareRole)>,
    },
    /// A visitor's booking request, by the clinician it was made to, and
    /// whether that clinician still works in the practice (their role here
    /// is enabled).
    BookingRequest {
        practice: PracticeId,
        clinician: UserId,
        clinician_active: bool,
    },
}

impl Resource {
    /// The practice the resource belongs to.
    pub fn practice(&self) -> PracticeId {
        match self {
            Resource::Practice(p) => *p,
            Resource::Account { practice, .. }
            | Resource::Client { practice, .. }
            | Resource::ClinicalNote { practice, .. }
            | Resource::Appointment { practice, .. }
            | Resource::Case { practice, .. }
            | Resource::Intake { practice, .. }
            | Resource::Thread { practice, .. }
            | Resource::BookingRequest { practice, .. } => *practice,
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Decision {
    Allow,
    Deny(Denial),
}

/// Why a request was refused: for the audit log and the status code, never
/// shown in detail to the person.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Denial {
    /// The actor has no role in the resource's practice.
    OtherPractice,
    /// The actor's roles do not allow this action.
    NotPermitted,
    /// Staff must pass MFA before client data or administration.
    MfaRequired,
}

impl Denial {
    pub fn as_str(self) -> &'static str {
        match self {
            Denial::OtherPractice => "other_practice",
            Denial::NotPermitted => "not_permitted",
            Denial::MfaRequired => "mfa_required",
        }
    }
}

pub fn decide(actor: &ActorFacts, action: Action, resource: &Resource) -> Decision {
    use Action::*;
    let practice = resource.practice();
    if !actor.roles.iter().any(|(p, _)| *p == practice) {
        return Decision::Deny(Denial::OtherPractice);
    }
    let owner = actor.has(practice, Role::Owner);
    let admin = actor.has(practice, Role::Admin);
    let clinician = actor.has(practice, Role::Clinician);

    let allowed = match (action, resource) {
        (ViewPracticeOverview, Resource::Practice(_)) => owner || admin,
        (EditPracticeSettings, Resource::Practice(_)) => owner,
        (InviteStaff, Resource::Practice(_)) => owner || admin,
        (InviteClient | ListOwnClients, Resource::Practice(_)) => clinician,
        (ViewAuditLog, Resource::Practice(_)) => owner,
        (ManageDirectory, Resource::Practice(_)) => owner || admin,
        (ManageSessionTypes, Resource::Practice(_)) => owner || admin,
        (DisableAccount, Resource::Account { user, roles, .. }) => {
            // Nobody disables themselves; only an owner may disable an owner or admin.
            *user != actor.user && (owner || (admin && !roles.iter().any(|r| matches!(r, Role::Owner | Role::Admin))))
        }
        (ViewClientContact, Resource::Client { client, clinicians, .. }) => {
            *client == actor.user || clinicians.contains(&actor.user) || owner || admin
        }
        (EditClientContact, Resource::Client { client, clinicians, .. }) => {
            *client == actor.user || clinicians.contains(&actor.user)
        }
        (WriteClinicalNote, Resource::Client { clinicians, .. }) => clinician && clinicians.contains(&actor.user),
        (ReadClinicalNote, Resource::ClinicalNote { author, .. }) => *author == actor.user,
        // A therapist edits their own profile; owners and admins any therapist's in the practice.
        (EditTherapistProfile, Resource::Account { user, roles, .. }) => {
            roles.contains(&Role::Clinician) && (*user == actor.user || owner || admin)
        }
        // A clinician keeps their own hours; the front desk may keep anyone's.
        (EditAvailability, Resource::Account { user, roles, .. }) => {
            roles.contains(&Role::Clinician) && (*user == actor.user || owner || admin)
        }
        // A clinician's own appointments; the front desk any of the practice's.
        (ManageAppointment, Resource::Appointment { clinician: with, .. }) => {
            (clinician && *with == actor.user) || owner || admin
        }
        // A request is answered by its clinician; when they no longer work
        // here, by the front desk, so that nobody waits for an answer.
        (AnswerBookingRequest, Resource::BookingRequest { clinician: with, clinician_active, .. }) => {
            (clinician && *with == actor.user && *clinician_active) || (!*clinician_active && (owner || admin))
        }
        // The front desk keeps every therapist's calendar; a clinician their own.
        (ViewSchedule | ScheduleSessions, Resource::Practice(_)) => owner || admin,
        (ViewSchedule | ScheduleSessions, Resource::Account { user, roles, .. }) => {
            roles.contains(&Role::Clinician) && (*user == actor.user || owner || admin)
        }
        // Any role in the practice (the check above) is a reason to work there.
        (ActInPractice, Resource::Practice(_)) => true,
        // A client's own sessions and preferences; nobody else's through this.
        (ViewOwnCare, Resource::Account { user, roles, .. }) => *user == actor.user && roles.contains(&Role::Client),
        // A session the client attends; never a partner's own session.
        (ViewOwnCare, Resource::Appointment { attendees, .. }) => {
            actor.has(practice, Role::Client) && attendees.contains(&actor.user)
        }
        // The care team sees its case, the supervisor included; the front
        // desk sees who is on it (to staff it), not what is in it.
        (ViewCase, Resource::Case { primary, team, .. }) => {
            *primary == actor.user || team.iter().any(|(user, _)| *user == actor.user) || owner || admin
        }
        // Those who treat run the case; a supervisor only reads.
        (ManageCase, Resource::Case { primary, team, .. }) => {
            clinician
                && (*primary == actor.user
                    || team.iter().any(|(user, role)| *user == actor.user && *role == CareRole::CoTherapist))
        }
        (AssignCareTeam, Resource::Case { primary, .. }) => (clinician && *primary == actor.user) || owner || admin,
        // A signature is the signer's own act: nobody signs for someone else.
        (SignConsent, Resource::Account { user, roles, .. }) => *user == actor.user && roles.contains(&Role::Client),
        // What a client signed: the client, those who treat them, the front desk.
        (ViewConsents, Resource::Client { client, clinicians, .. }) => {
            *client == actor.user || clinicians.contains(&actor.user) || owner || admin
        }
        (ManageConsentDocuments, Resource::Practice(_)) => owner || admin,
        // What a client tells in their intake: themselves and the care team
        // (the supervisor reads); never the partner, never the front desk.
        (ReadIntake, Resource::Intake { client, primary, team, .. }) => {
            *client == actor.user || *primary == actor.user || team.iter().any(|(user, _)| *user == actor.user)
        }
        (WriteIntake, Resource::Intake { client, .. }) => *client == actor.user,
        // Messages: the case's clients and care team; a supervisor reads
        // only; the front desk is not part of the conversation.
        (ReadMessages, Resource::Thread { clients, primary, team, .. }) => {
            clients.contains(&actor.user) || *primary == actor.user || team.iter().any(|(user, _)| *user == actor.user)
        }
        (SendMessage, Resource::Thread { clients, primary, team, .. }) => {
            clients.contains(&actor.user)
                || *primary == actor.user
                || team.iter().any(|(user, role)| *user == actor.user && *role == CareRole::CoTherapist)
        }
        // Verification is a check by someone else: never one's own credentials.
        (VerifyCredential, Resource::Account { user, roles, .. }) => {
            roles.contains(&Role::Clinician) && *user != actor.user && (owner || admin)
        }
        _ => false,
    };
    if !allowed {
        return Decision::Deny(Denial::NotPermitted);
    }
    // Allowed by role; staff still need a second factor first, for every action.
    if actor.is_staff_in(practice) && !actor.mfa_verified {
        return Decision::Deny(Denial::MfaRequired);
    }
    Decision::Allow
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_action_has_one_log_name_in_snake_case() {
        let mut names: Vec<&str> = Action::ALL.iter().map(|a| a.as_str()).collect();
        assert!(names.iter().all(|n| n.chars().all(|c| c.is_ascii_lowercase() || c == '_')), "{names:?}");
        names.sort_unstable();
        names.dedup();
        assert_eq!(names.len(), Action::ALL.len());
    }
    use Action::*;

    struct World {
        practice: PracticeId,
        other_practice: PracticeId,
        owner: UserId,
        admin: UserId,
        clinician: UserId,
        other_clinician: UserId,
        foreign_clinician: UserId,
        client_a: UserId,
        partner_b: UserId,
        client_c: UserId,
        co_therapist: UserId,
        supervisor: UserId,
    }

    fn world() -> World {
        World {
            practice: PracticeId::new(),
            other_practice: PracticeId::new(),
            owner: UserId::new(),
            admin: UserId::new(),
            clinician: UserId::new(),
            other_clinician: UserId::new(),
            foreign_clinician: UserId::new(),
            client_a: UserId::new(),
            partner_b: UserId::new(),
            client_c: UserId::new(),
            co_therapist: UserId::new(),
            supervisor: UserId::new(),
        }
    }

    fn actor(w: &World, who: &str) -> ActorFacts {
        let (user, practice, role) = match who {
            "owner" => (w.owner, w.practice, Role::Owner),
            "admin" => (w.admin, w.practice, Role::Admin),
            "clinician" => (w.clinician, w.practice, Role::Clinician),
            "other_clinician" => (w.other_clinician, w.practice, Role::Clinician),
            "foreign_clinician" => (w.foreign_clinician, w.other_practice, Role::Clinician),
            "client_a" => (w.client_a, w.practice, Role::Client),
            "partner_b" => (w.partner_b, w.practice, Role::Client),
            "client_c" => (w.client_c, w.practice, Role::Client),
            "co_therapist" => (w.co_therapist, w.practice, Role::Clinician),
            "supervisor" => (w.supervisor, w.practice, Role::Clinician),
            other => panic!("unknown actor {other}"),
        };
        ActorFacts { user, roles: vec![(practice, role)], mfa_verified: true }
    }

    /// The resource each action is tried on: client A, treated by `clinician`, partnered with B.
    fn resource(w: &World, action: Action) -> Resource {
        let client_a = Resource::Client {
            practice: w.practice,
            client: w.client_a,
            clinicians: vec![w.clinician],
            partners: vec![w.partner_b],
        };
        match action {
            ViewPracticeOverview
            | EditPracticeSettings
            | InviteStaff
            | InviteClient
            | ListOwnClients
            | ViewAuditLog
            | ManageDirectory
            | ManageSessionTypes
            | ActInPractice
            | ManageConsentDocuments => Resource::Practice(w.practice),
            ViewOwnCare | SignConsent => {
                Resource::Account { practice: w.practice, user: w.client_a, roles: vec![Role::Client] }
            }
            DisableAccount | EditTherapistProfile | VerifyCredential | EditAvailability | ViewSchedule
            | ScheduleSessions => {
                Resource::Account { practice: w.practice, user: w.clinician, roles: vec![Role::Clinician] }
            }
            ViewClientContact | EditClientContact | WriteClinicalNote | ViewConsents => client_a,
            ManageAppointment => {
                Resource::Appointment { practice: w.practice, clinician: w.clinician, attendees: vec![w.client_a] }
            }
            ReadMessages | SendMessage => Resource::Thread {
                practice: w.practice,
                clients: vec![w.client_a, w.partner_b],
                primary: w.clinician,
                team: vec![(w.co_therapist, CareRole::CoTherapist), (w.supervisor, CareRole::Supervisor)],
            },
            ReadIntake | WriteIntake => Resource::Intake {
                practice: w.practice,
                client: w.client_a,
                primary: w.clinician,
                team: vec![(w.co_therapist, CareRole::CoTherapist), (w.supervisor, CareRole::Supervisor)],
            },
            ViewCase | ManageCase | AssignCareTeam => Resource::Case {
                practice: w.practice,
                primary: w.clinician,
                team: vec![(w.co_therapist, CareRole::CoTherapist), (w.supervisor, CareRole::Supervisor)],
            },
            AnswerBookingRequest => {
                Resource::BookingRequest { practice: w.practice, clinician: w.clinician, clinician_active: true }
            }
            ReadClinicalNote => Resource::ClinicalNote {
                practice: w.practice,
                client: w.client_a,
                author: w.clinician,
                clinicians: vec![w.clinician],
            },
        }
    }

    const ACTORS: [&str; 10] = [
        "owner",
        "admin",
        "clinician",
        "other_clinician",
        "foreign_clinician",
        "client_a",
        "partner_b",
        "client_c",
        "co_therapist",
        "supervisor",
    ];

    /// The expected answer for every action × actor: `A` allow, `-` deny.
    const TABLE: &[(Action, &str)] = &[
        //                      owner admin clin other foreign A B C co sup
        (ViewPracticeOverview, "A A - - - - - - - -"),
        (EditPracticeSettings, "A - - - - - - - - -"),
        (InviteStaff, /*     */ "A A - - - - - - - -"),
        (InviteClient, /*    */ "- - A A - - - - A A"),
        (ListOwnClients, "- - A A - - - - A A"),
        (DisableAccount, /*  */ "A A - - - - - - - -"),
        (ViewAuditLog, /*    */ "A - - - - - - - - -"),
        (ViewClientContact, "A A A - - A - - - -"),
        (EditClientContact, "- - A - - A - - - -"),
        (WriteClinicalNote, "- - A - - - - - - -"),
        (ReadClinicalNote, /**/ "- - A - - - - - - -"),
        (EditTherapistProfile, "A A A - - - - - - -"),
        (VerifyCredential, /*  */ "A A - - - - - - - -"),
        (ManageDirectory, /*   */ "A A - - - - - - - -"),
        (ManageSessionTypes, "A A - - - - - - - -"),
        (EditAvailability, "A A A - - - - - - -"),
        (ManageAppointment, "A A A - - - - - - -"),
        (ViewSchedule, /*      */ "A A A - - - - - - -"),
        (ScheduleSessions, /*  */ "A A A - - - - - - -"),
        (AnswerBookingRequest, "- - A - - - - - - -"),
        (ActInPractice, /*     */ "A A A A - A A A A A"),
        (ViewOwnCare, /*       */ "- - - - - A - - - -"),
        (ViewCase, /*          */ "A A A - - - - - A A"),
        (ManageCase, /*        */ "- - A - - - - - A -"),
        (AssignCareTeam, /*    */ "A A A - - - - - - -"),
        (SignConsent, /*       */ "- - - - - A - - - -"),
        (ViewConsents, /*      */ "A A A - - A - - - -"),
        (ManageConsentDocuments, "A A - - - - - - - -"),
        (ReadIntake, /*        */ "- - A - - A - - A A"),
        (WriteIntake, /*       */ "- - - - - A - - - -"),
        (ReadMessages, /*      */ "- - A - - A A - A A"),
        (SendMessage, /*       */ "- - A - - A A - A -"),
    ];

    #[test]
    fn every_action_for_every_actor() {
        let w = world();
        for (action, row) in TABLE {
            let expected: Vec<&str> = row.split_whitespace().collect();
            assert_eq!(expected.len(), ACTORS.len());
            for (who, want) in ACTORS.iter().zip(expected) {
                let got = decide(&actor(&w, who), *action, &resource(&w, *action));
                let allowed = got == Decision::Allow;
                assert_eq!(allowed, want == "A", "{action:?} by {who}: {got:?}");
            }
        }
    }

    #[test]
    fn other_practices_are_told_apart_from_missing_permissions() {
        let w = world();
        let got = decide(&actor(&w, "foreign_clinician"), ViewClientContact, &resource(&w, ViewClientContact));
        assert_eq!(got, Decision::Deny(Denial::OtherPractice));
        let got = decide(&actor(&w, "partner_b"), ViewClientContact, &resource(&w, ViewClientContact));
        assert_eq!(got, Decision::Deny(Denial::NotPermitted), "a partner never reads the other's private data");
    }

    #[test]
    fn a_client_sees_the_sessions_they_attend_and_never_a_partners_own() {
        let w = world();
        let session =
            |attendees: Vec<UserId>| Resource::Appointment { practice: w.practice, clinician: w.clinician, attendees };
        let joint = session(vec![w.client_a, w.partner_b]);
        let own = session(vec![w.partner_b]);
        for (who, resource, allowed) in [
            ("client_a", &joint, true),
            ("partner_b", &joint, true),
            ("partner_b", &own, true),
            ("client_a", &own, false),
            ("client_c", &joint, false),
            ("clinician", &joint, false),
            ("owner", &joint, false),
        ] {
            let got = decide(&actor(&w, who), ViewOwnCare, resource);
            assert_eq!(got == Decision::Allow, allowed, "{who}: {got:?}");
        }
        // A client of another practice with the same id is still another practice's.
        let foreign =
            ActorFacts { user: w.client_a, roles: vec![(w.other_practice, Role::Client)], mfa_verified: true };
        assert_eq!(decide(&foreign, ViewOwnCare, &joint), Decision::Deny(Denial::OtherPractice));
    }

    #[test]
    fn only_the_front_desk_keeps_every_therapists_calendar() {
        let w = world();
        for action in [ViewSchedule, ScheduleSessions] {
            for (who, allowed) in [("owner", true), ("admin", true), ("clinician", false), ("client_a", false)] {
                let got = decide(&actor(&w, who), action, &Resource::Practice(w.practice));
                assert_eq!(got == Decision::Allow, allowed, "{action:?} by {who}");
            }
            let foreign = decide(&actor(&w, "foreign_clinician"), action, &Resource::Practice(w.practice));
            assert_eq!(foreign, Decision::Deny(Denial::OtherPractice));
        }
    }

    #[test]
    fn a_request_to_someone_who_left_is_answered_by_the_front_desk() {
        let w = world();
        let left = Resource::BookingRequest { practice: w.practice, clinician: w.clinician, clinician_active: false };
        for (who, allowed) in [("owner", true), ("admin", true), ("clinician", false), ("other_clinician", false)] {
            let got = decide(&actor(&w, who), AnswerBookingRequest, &left);
            assert_eq!(got == Decision::Allow, allowed, "{who}");
        }
        let foreign = decide(&actor(&w, "foreign_clinician"), AnswerBookingRequest, &left);
        assert_eq!(foreign, Decision::Deny(Denial::OtherPractice));
    }

    #[test]
    fn staff_need_mfa_clients_do_not() {
        let w = world();
        for who in ["owner", "admin", "clinician"] {
            let mut facts = actor(&w, who);
            facts.mfa_verified = false;
            let action = if who == "clinician" { WriteClinicalNote } else { ViewPracticeOverview };
            assert_eq!(decide(&facts, action, &resource(&w, action)), Decision::Deny(Denial::MfaRequired), "{who}");
        }
        let mut client = actor(&w, "client_a");
        client.mfa_verified = false;
        assert_eq!(decide(&client, ViewClientContact, &resource(&w, ViewClientContact)), Decision::Allow);
    }

    #[test]
    fn account_rules_protect_owners_admins_and_oneself() {
        let w = world();
        let admin = actor(&w, "admin");
        let owner = actor(&w, "owner");
        let target = |user, role| Resource::Account { practice: w.practice, user, roles: vec![role] };
        assert_eq!(decide(&admin, DisableAccount, &target(w.owner, Role::Owner)), Decision::Deny(Denial::NotPermitted));
        assert_eq!(decide(&admin, DisableAccount, &target(w.owner, Role::Admin)), Decision::Deny(Denial::NotPermitted));
        assert_eq!(decide(&admin, DisableAccount, &target(w.client_a, Role::Client)), Decision::Allow);
        assert_eq!(decide(&owner, DisableAccount, &target(w.admin, Role::Admin)), Decision::Allow);
        assert_eq!(decide(&owner, DisableAccount, &target(w.owner, Role::Owner)), Decision::Deny(Denial::NotPermitted));
    }

    #[test]
    fn a_person_works_in_each_practice_as_their_role_there() {
        let w = world();
        // A therapist here who is also a client of another practice.
        let mut both = actor(&w, "clinician");
        both.roles.push((w.other_practice, Role::Client));
        for practice in [w.practice, w.other_practice] {
            assert_eq!(decide(&both, ActInPractice, &Resource::Practice(practice)), Decision::Allow);
        }
        let care = |practice, roles| Resource::Account { practice, user: w.clinician, roles };
        assert_eq!(decide(&both, ViewOwnCare, &care(w.other_practice, vec![Role::Client])), Decision::Allow);
        assert_eq!(
            decide(&both, ViewOwnCare, &care(w.practice, vec![Role::Clinician])),
            Decision::Deny(Denial::NotPermitted),
            "no client's view where they are a therapist"
        );
        assert_eq!(
            decide(&actor(&w, "client_a"), ActInPractice, &Resource::Practice(w.other_practice)),
            Decision::Deny(Denial::OtherPractice)
        );
    }

    #[test]
    fn nobody_verifies_their_own_credentials() {
        let w = world();
        let mut owner_who_treats = actor(&w, "owner");
        owner_who_treats.roles.push((w.practice, Role::Clinician));
        let own = Resource::Account { practice: w.practice, user: w.owner, roles: vec![Role::Owner, Role::Clinician] };
        assert_eq!(decide(&owner_who_treats, EditTherapistProfile, &own), Decision::Allow);
        assert_eq!(decide(&owner_who_treats, VerifyCredential, &own), Decision::Deny(Denial::NotPermitted));
        let admin_profile = Resource::Account { practice: w.practice, user: w.admin, roles: vec![Role::Admin] };
        assert_eq!(
            decide(&actor(&w, "owner"), EditTherapistProfile, &admin_profile),
            Decision::Deny(Denial::NotPermitted),
            "only therapists have profiles"
        );
    }
}
