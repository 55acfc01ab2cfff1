//! Askama templates and the view models they render. Values are escaped by
//! the template engine; nothing a person typed is ever rendered as HTML.
use askama::Template;

/// What the base layout needs on every page.
#[derive(Debug, Clone, Default)]
pub(crate) struct Layout {
    pub demo: bool,
    /// The signed-in person's name, for the sign-out button.
    pub user: Option<String>,
    /// Staff who keep or look after therapists' calendars get a link to the week.
    pub calendar: bool,
    /// The anti-forgery token forms embed.
    pub csrf: String,
    /// Which navigation entry is the current page.
    pub current: &'static str,
}

impl Layout {
    pub fn anonymous(demo: bool) -> Self {
        Self { demo, ..Self::default() }
    }

    pub fn at(mut self, current: &'static str) -> Self {
        self.current = current;
        self
    }
}

#[derive(Template)]
#[template(path = "pages/home.html")]
pub(crate) struct HomeTemplate {
    pub layout: Layout,
}

#[derive(Template)]
#[template(path = "pages/how_it_works.html")]
pub(crate) struct HowItWorksTemplate {
    pub layout: Layout,
}

#[derive(Template)]
#[template(path = "pages/privacy.html")]
pub(crate) struct PrivacyTemplate {
    pub layout: Layout,
}

/// "Is sex therapy right for me?": the questions that map to search filters
/// offer the reference data's concerns and states.
#[derive(Template)]
#[template(path = "pages/self_check.html")]
pub(crate) struct SelfCheckTemplate {
    pub layout: Layout,
    pub concerns: Vec<Choice>,
    pub states: Vec<Choice>,
}

#[derive(Template)]
#[template(path = "error.html")]
pub(crate) struct ErrorTemplate {
    pub layout: Layout,
    pub title: &'static str,
    pub message: String,
    pub request_id: Option<String>,
}

/// One labelled form control with its hint and error, rendered by `_field.html`.
#[derive(Debug, Clone)]
pub(crate) struct Field {
    pub name: &'static str,
    pub label: &'static str,
    /// `text`, `email`, `password`, `textarea`, `select`, or `checkbox`
    /// (ticked when the value is "on", as browsers send it).
    pub kind: &'static str,
    pub value: String,
    pub autocomplete: &'static str,
    pub hint: &'static str,
    pub error: Option<String>,
    pub options: Vec<&'static str>,
    pub required: bool,
}

impl Field {
    pub fn new(name: &'static str, label: &'static str, kind: &'static str, autocomplete: &'static str) -> Self {
        Self {
            name,
            label,
            kind,
            value: String::new(),
            autocomplete,
            hint: "",
            error: None,
            options: Vec::new(),
            required: true,
        }
    }

    /// A new password and its confirmation, with the advice on choosing one.
    pub fn new_password(name: &'static str, confirm: &'static str, label: &'static str) -> Vec<Field> {
        let repeat = if label == "Password" { "Repeat the password" } else { "Repeat the new password" };
        vec![
            Field::new(name, label, "password", "new-password")
                .hint("At least 8 characters. A phrase of several words is strong and easy to remember."),
            Field::new(confirm, repeat, "password", "new-password"),
        ]
    }

    pub fn optional(mut self) -> Self {
        self.required = false;
        self
    }

    pub fn value(mut self, value: &str) -> Self {
        // Passwords are never sent back to the browser.
        if self.kind != "password" {
            self.value = value.to_string();
        }
        self
    }

    pub fn hint(mut self, hint: &'static str) -> Self {
        self.hint = hint;
        self
    }

    pub fn options(mut self, options: &[&'static str]) -> Self {
        self.kind = "select";
        self.options = options.to_vec();
        self
    }
}

#[derive(Template)]
#[template(path = "auth/login.html")]
pub(crate) struct LoginTemplate {
    pub layout: Layout,
    pub fields: Vec<Field>,
    pub error: Option<String>,
    pub notice: Option<Notice>,
}

#[derive(Template)]
#[template(path = "auth/setup.html")]
pub(crate) struct SetupTemplate {
    pub layout: Layout,
    pub token: String,
    pub fields: Vec<Field>,
    /// Errors to list in the summary at the top: (field id, message).
    pub summary: Vec<(&'static str, String)>,
}

#[derive(Template)]
#[template(path = "auth/setup_invalid.html")]
pub(crate) struct SetupInvalidTemplate {
    pub layout: Layout,
}

/// One line of an appointment list.
#[derive(Debug, Clone)]
pub(crate) struct AppointmentRow {
    pub when: String,
    /// The appointment's page, for the clinician's own list.
    pub href: Option<String>,
    pub with_whom: String,
    pub kind: &'static str,
    pub format: &'static str,
    pub status: &'static str,
}

#[derive(Debug, Clone)]
pub(crate) struct TherapistRow {
    pub name: String,
    pub pronouns: String,
    pub credentials: String,
    pub formats: String,
    pub accepting: bool,
}

#[derive(Debug, Clone)]
pub(crate) struct OverviewView {
    pub clinicians: i64,
    pub clients: i64,
    pub open_cases: i64,
    pub upcoming: i64,
    pub therapists: Vec<TherapistRow>,
}

#[derive(Template)]
#[template(path = "clinic/dashboard.html")]
pub(crate) struct DashboardTemplate {
    pub layout: Layout,
    pub name: String,
    pub practice_name: Option<String>,
    pub roles: String,
    pub time_zone: String,
    pub overview: Option<OverviewView>,
    pub clinician_upcoming: Option<Vec<AppointmentRow>>,
    pub client_upcoming: Option<Vec<AppointmentRow>>,
    /// (href, label) of the pages this person's roles open.
    pub tools: Vec<(&'static str, &'static str)>,
}

/// A notice at the top of a page.
#[derive(Debug, Clone)]
pub(crate) struct Notice {
    /// `success`, `error` or `info`.
    pub kind: &'static str,
    pub text: String,
}

impl Notice {
    pub fn success(text: impl Into<String>) -> Self {
        Self { kind: "success", text: text.into() }
    }
    pub fn info(text: impl Into<String>) -> Self {
        Self { kind: "info", text: text.into() }
    }
    pub fn error(text: impl Into<String>) -> Self {
        Self { kind: "error", text: text.into() }
    }
}

/// A page that is one form: most account flows.
#[derive(Template, Clone)]
#[template(path = "form_page.html")]
pub(crate) struct FormPage {
    pub layout: Layout,
    pub title: String,
    pub lead: String,
    pub notice: Option<Notice>,
    pub summary: Vec<(&'static str, String)>,
    pub action: String,
    pub hidden: Vec<(&'static str, String)>,
    pub fields: Vec<Field>,
    pub submit: &'static str,
    /// Links under the form: (href, text).
    pub links: Vec<(String, String)>,
}

impl FormPage {
    pub fn new(layout: Layout, title: impl Into<String>, action: impl Into<String>, submit: &'static str) -> Self {
        Self {
            layout,
            title: title.into(),
            lead: String::new(),
            notice: None,
            summary: Vec::new(),
            action: action.into(),
            hidden: Vec::new(),
            fields: Vec::new(),
            submit,
            links: Vec::new(),
        }
    }

    pub fn lead(mut self, lead: impl Into<String>) -> Self {
        self.lead = lead.into();
        self
    }

    pub fn notice(mut self, notice: Option<Notice>) -> Self {
        self.notice = notice;
        self
    }

    pub fn hidden(mut self, name: &'static str, value: impl Into<String>) -> Self {
        self.hidden.push((name, value.into()));
        self
    }

    pub fn fields(mut self, fields: Vec<Field>) -> Self {
        self.fields = fields;
        self
    }

    pub fn link(mut self, href: impl Into<String>, text: impl Into<String>) -> Self {
        self.links.push((href.into(), text.into()));
        self
    }

    /// Puts each field's error beside it and lists them all at the top.
    pub fn errors(mut self, errors: &sensate_domain::FieldErrors) -> Self {
        for field in &mut self.fields {
            if let Some(message) = errors.get(field.name) {
                field.error = Some(message.to_string());
            }
        }
        self.summary = errors.iter().map(|(field, message)| (field, message.to_string())).collect();
        self
    }
}

#[derive(Template)]
#[template(path = "account/mfa_enrol.html")]
pub(crate) struct MfaEnrolTemplate {
    pub layout: Layout,
    pub qr_svg: String,
    pub secret: String,
    pub error: Option<String>,
}

#[derive(Template)]
#[template(path = "account/recovery_codes.html")]
pub(crate) struct RecoveryCodesTemplate {
    pub layout: Layout,
    pub codes: Vec<String>,
}

#[derive(Debug, Clone)]
pub(crate) struct PersonRow {
    pub id: String,
    pub name: String,
    pub email: String,
    pub roles: String,
    pub disabled: bool,
    pub is_self: bool,
}

#[derive(Debug, Clone)]
pub(crate) struct InvitationRow {
    pub name: String,
    pub email: String,
    pub role: &'static str,
    pub sent: String,
    pub status: &'static str,
}

#[derive(Template)]
#[template(path = "admin/people.html")]
pub(crate) struct PeopleTemplate {
    pub layout: Layout,
    pub notice: Option<Notice>,
    pub people: Vec<PersonRow>,
    pub invitations: Vec<InvitationRow>,
    pub invite: FormPage,
    /// Links of invitations just made, for copying when email is not set up.
    pub sent: Vec<(String, String, bool)>,
}

#[derive(Debug, Clone)]
pub(crate) struct AuditRow {
    pub seq: i64,
    pub at: String,
    pub actor: String,
    pub action: String,
    pub record: String,
    pub ip: String,
    pub outcome: String,
}

#[derive(Template)]
#[template(path = "admin/audit.html")]
pub(crate) struct AuditTemplate {
    pub layout: Layout,
    pub rows: Vec<AuditRow>,
    pub action: String,
    pub outcome: String,
    pub actions: Vec<&'static str>,
    pub next_before: Option<i64>,
}

#[derive(Template)]
#[template(path = "clinic/clients.html")]
pub(crate) struct ClientsTemplate {
    pub layout: Layout,
    pub notice: Option<Notice>,
    pub clients: Vec<(String, String)>,
    pub invite: FormPage,
    pub sent: Vec<(String, String, bool)>,
}

#[derive(Template)]
#[template(path = "clinic/client.html")]
pub(crate) struct ClientTemplate {
    pub layout: Layout,
    pub notice: Option<Notice>,
    pub name: String,
    pub contact: FormPage,
    pub contact_preferences: Option<String>,
    pub notes: Vec<(String, String)>,
    pub note_form: Option<FormPage>,
}

#[derive(Template)]
#[template(path = "outbox.html")]
pub(crate) struct OutboxTemplate {
    pub layout: Layout,
    /// (sent at, to, subject, text)
    pub mails: Vec<(String, String, String, String)>,
}

/// An option of a select list.
#[derive(Debug, Clone)]
pub(crate) struct Choice {
    pub value: String,
    pub label: String,
    pub selected: bool,
}

#[derive(Debug, Clone)]
pub(crate) struct ResultRow {
    pub id: String,
    pub name: String,
    pub pronouns: String,
    pub credentials: String,
    pub headline: String,
    /// Why this therapist matches, on one line.
    pub why: String,
    /// "Tue 8 Dec 2026, 10:00 (EST) · Trial consultation", when a time can be booked.
    pub next_available: Option<String>,
}

/// The results of a directory search, as the page and the htmx fragment show them.
#[derive(Debug, Clone)]
pub(crate) struct ResultsView {
    /// Filters that could not be used, with why: (field, message).
    pub problems: Vec<(&'static str, String)>,
    pub total: usize,
    pub page: u32,
    pub pages: u32,
    pub results: Vec<ResultRow>,
    /// Links to the neighbouring pages of the same search.
    pub previous: Option<String>,
    pub next: Option<String>,
}

impl ResultsView {
    /// "3 therapists found": the heading, and what a screen reader announces.
    pub fn count_line(&self) -> String {
        let noun = if self.total == 1 { "therapist" } else { "therapists" };
        format!("{} {noun} found", self.total)
    }
}

#[derive(Template)]
#[template(path = "directory/search.html")]
pub(crate) struct DirectorySearchTemplate {
    pub layout: Layout,
    pub params: crate::api::directory::TherapistQuery,
    pub view: ResultsView,
    pub concerns: Vec<Choice>,
    pub states: Vec<Choice>,
    pub insurance: Vec<Choice>,
    pub languages: Vec<Choice>,
}

impl DirectorySearchTemplate {
    fn radius_selected(&self, value: &str) -> bool {
        match self.params.radius_km {
            None => value.is_empty(),
            Some(km) => value.parse::<f64>().is_ok_and(|v| (v - km).abs() < f64::EPSILON),
        }
    }

    fn max_fee_value(&self) -> String {
        self.params.max_fee.map(|fee| fee.to_string()).unwrap_or_default()
    }
}

/// The search results alone, for htmx to swap in place; the problems box and
/// the screen-reader announcement travel with them out of band.
#[derive(Template)]
#[template(path = "directory/results_fragment.html")]
pub(crate) struct DirectoryResultsTemplate {
    pub view: ResultsView,
}

#[derive(Template)]
#[template(path = "directory/profile.html")]
pub(crate) struct DirectoryProfileTemplate {
    pub layout: Layout,
    pub id: String,
    pub has_photo: bool,
    /// "Tue 24 Nov 2026, 10:00 (EST) · Trial consultation · Telehealth (video)".
    pub next_free: Option<String>,
    pub name: String,
    pub pronouns: String,
    pub credentials: String,
    pub headline: String,
    pub approach: String,
    pub concerns: Vec<String>,
    pub languages: Vec<String>,
    pub payers: Vec<String>,
    pub offices: Vec<String>,
    pub telehealth_states: Vec<String>,
    pub focus: &'static str,
    pub fee: Option<String>,
    /// The practice's session types with their length and fee, e.g. "Couple session, 80 min: $240".
    pub session_fees: Vec<String>,
    pub sliding_scale: bool,
    pub free_consultation: bool,
    pub superbill: bool,
    pub accepting: bool,
    pub licences: Vec<String>,
    pub certifications: Vec<String>,
    pub practice_name: String,
    pub contact_email: String,
    pub contact_phone: String,
}

/// A checkbox of a list (concerns, languages, insurance).
#[derive(Debug, Clone)]
pub(crate) struct CheckItem {
    pub value: String,
    pub label: String,
    pub checked: bool,
}

/// One office row of the profile form, numbered from 1.
#[derive(Debug, Clone, Default)]
pub(crate) struct OfficeRow {
    pub n: usize,
    pub label: String,
    pub address: String,
    pub postal_code: String,
    pub accessibility: String,
}

/// A licence or certification in the editor.
#[derive(Debug, Clone)]
pub(crate) struct CredentialRow {
    pub id: String,
    pub description: String,
    /// "Verified 3 March 2026 (State board register)"; `None` while awaiting verification.
    pub verified: Option<String>,
}

#[derive(Template)]
#[template(path = "profiles/editor.html")]
pub(crate) struct ProfileEditorTemplate {
    pub layout: Layout,
    pub notice: Option<Notice>,
    pub user_id: String,
    pub name: String,
    /// The therapist is looking at their own profile.
    pub own: bool,
    pub listed: bool,
    pub status: String,
    pub has_profile: bool,
    pub input: sensate_app::directory::ProfileInput,
    pub concerns: Vec<CheckItem>,
    pub languages: Vec<CheckItem>,
    pub payers: Vec<CheckItem>,
    pub offices: Vec<OfficeRow>,
    pub has_photo: bool,
    pub licences: Vec<CredentialRow>,
    pub certifications: Vec<CredentialRow>,
    pub may_verify: bool,
    pub licence_types: Vec<Choice>,
    pub jurisdictions: Vec<Choice>,
    pub bodies: Vec<Choice>,
    /// What was typed into a refused licence or certification form.
    pub licence: sensate_app::directory::CredentialInput,
    pub certification: sensate_app::directory::CredentialInput,
    pub method: String,
    /// Which form the errors belong to ("profile", "photo", "licence",
    /// "certification", "verify:<credential id>"); empty when none failed.
    pub failed: String,
    pub errors: Vec<(&'static str, String)>,
}

impl ProfileEditorTemplate {
    /// The message for a field of the form that failed, if any.
    fn error(&self, form: &str, field: &str) -> Option<&str> {
        if self.failed != form {
            return None;
        }
        self.errors.iter().find(|(f, _)| *f == field).map(|(_, m)| m.as_str())
    }

    fn verify_failed(&self, credential: &str) -> bool {
        self.failed.strip_prefix("verify:") == Some(credential)
    }

    /// The anchor of the first field of a failed form, for the error summary's links.
    fn anchor(&self, field: &str) -> String {
        match self.failed.as_str() {
            "licence" => format!("licence-{field}"),
            "certification" => format!("certification-{field}"),
            "photo" => "photo".to_string(),
            failed if failed.starts_with("verify:") => format!("method-{}", &failed[7..]),
            _ if field == "offices" => "office1_postal_code".to_string(),
            _ => field.to_string(),
        }
    }
}

/// A therapist on the directory overview.
#[derive(Debug, Clone)]
pub(crate) struct OverviewRow {
    pub id: String,
    pub name: String,
    pub listed: bool,
    pub status: String,
    /// Credentials awaiting verification: (id, description).
    pub awaiting: Vec<(String, String)>,
}

#[derive(Template)]
#[template(path = "profiles/overview.html")]
pub(crate) struct DirectoryOverviewTemplate {
    pub layout: Layout,
    pub notice: Option<Notice>,
    pub therapists: Vec<OverviewRow>,
}

impl DirectoryOverviewTemplate {
    fn any_awaiting(&self) -> bool {
        self.therapists.iter().any(|t| !t.awaiting.is_empty())
    }
}

/// A session type as the practice's list shows it.
#[derive(Debug, Clone)]
pub(crate) struct SessionTypeRow {
    pub id: String,
    pub name: String,
    pub length: String,
    pub fee: String,
    pub formats: &'static str,
    pub participants: String,
    pub trial: bool,
    pub needs_approval: bool,
    pub active: bool,
}

#[derive(Template)]
#[template(path = "admin/session_types.html")]
pub(crate) struct SessionTypesTemplate {
    pub layout: Layout,
    pub notice: Option<Notice>,
    pub types: Vec<SessionTypeRow>,
    /// The form to add one.
    pub form: FormPage,
}

/// A row of weekly hours in the hours editor, numbered from 1.
#[derive(Debug, Clone, Default)]
pub(crate) struct WeeklyRow {
    pub n: usize,
    /// ISO weekday, "1" (Monday) to "7"; empty for a spare row.
    pub weekday: String,
    pub start: String,
    pub end: String,
    pub format: String,
}

/// A changed day in the hours editor, numbered from 1.
#[derive(Debug, Clone, Default)]
pub(crate) struct OverrideRow {
    pub n: usize,
    pub date: String,
    pub closed: bool,
    pub start: String,
    pub end: String,
    pub format: String,
}

#[derive(Template)]
#[template(path = "availability/editor.html")]
pub(crate) struct AvailabilityTemplate {
    pub layout: Layout,
    pub notice: Option<Notice>,
    pub clinician_id: String,
    pub own: bool,
    pub name: String,
    pub time_zones: Vec<String>,
    pub input: sensate_app::availability::AvailabilityInput,
    pub weekly: Vec<WeeklyRow>,
    pub overrides: Vec<OverrideRow>,
    pub errors: Vec<(&'static str, String)>,
    /// The next free times, as lines.
    pub preview: Vec<String>,
}

impl AvailabilityTemplate {
    fn error(&self, field: &str) -> Option<&str> {
        self.errors.iter().find(|(f, _)| *f == field).map(|(_, m)| m.as_str())
    }

    const WEEKDAYS: [(&'static str, &'static str); 7] = [
        ("1", "Monday"),
        ("2", "Tuesday"),
        ("3", "Wednesday"),
        ("4", "Thursday"),
        ("5", "Friday"),
        ("6", "Saturday"),
        ("7", "Sunday"),
    ];

    /// The saved zone is one of the common ones offered (otherwise it is added).
    fn zone_listed(&self) -> bool {
        self.input.time_zone.is_empty() || self.time_zones.contains(&self.input.time_zone)
    }

    fn weekdays(&self) -> &'static [(&'static str, &'static str)] {
        &Self::WEEKDAYS
    }
}

#[derive(Template)]
#[template(path = "account/calendar_feed.html")]
pub(crate) struct CalendarFeedTemplate {
    pub layout: Layout,
    pub notice: Option<Notice>,
    /// When the current address was made, in the practice's zone.
    pub since: Option<String>,
    /// A new address, shown only on the answer that made it.
    pub address: Option<String>,
}

/// A free time a visitor can choose.
#[derive(Debug, Clone)]
pub(crate) struct SlotLink {
    /// "14:30 (CET)", in the visitor's zone.
    pub time: String,
    pub href: String,
}

/// A day of free times, in the visitor's zone.
#[derive(Debug, Clone)]
pub(crate) struct SlotDay {
    pub heading: String,
    pub slots: Vec<SlotLink>,
}

#[derive(Template)]
#[template(path = "booking/slots.html")]
pub(crate) struct BookingSlotsTemplate {
    pub layout: Layout,
    pub therapist_id: String,
    pub name: String,
    pub practice_name: String,
    pub session_types: Vec<Choice>,
    pub format: String,
    pub zones: Vec<Choice>,
    /// No zone was chosen yet: the page's script may fill in the browser's.
    pub zone_detect: bool,
    pub first_day: String,
    pub days: Vec<SlotDay>,
    pub earlier: Option<String>,
    pub later: String,
    pub notice: Option<Notice>,
}

#[derive(Template)]
#[template(path = "booking/details.html")]
pub(crate) struct BookingDetailsTemplate {
    pub layout: Layout,
    pub therapist_id: String,
    pub name: String,
    pub practice_name: String,
    pub session: String,
    pub when: String,
    pub telehealth: bool,
    pub couple: bool,
    pub concerns: Vec<Choice>,
    pub payments: Vec<Choice>,
    pub jurisdictions: Vec<Choice>,
    pub stamp: String,
    pub hold_minutes: i64,
    pub form: crate::pages::booking::BookingForm,
    pub errors: Vec<(&'static str, String)>,
}

impl BookingDetailsTemplate {
    fn error(&self, field: &str) -> Option<&str> {
        self.errors.iter().find(|(f, _)| *f == field).map(|(_, m)| m.as_str())
    }
}

#[derive(Template)]
#[template(path = "booking/sent.html")]
pub(crate) struct BookingSentTemplate {
    pub layout: Layout,
    pub email: String,
    pub hold_minutes: i64,
}

#[derive(Template)]
#[template(path = "booking/confirm.html")]
pub(crate) struct BookingConfirmTemplate {
    pub layout: Layout,
    pub token: String,
    pub can_confirm: bool,
    pub message: String,
    pub practice_name: String,
    pub therapist_name: String,
    pub session: String,
    pub when: String,
    /// What confirming did, once done.
    pub done: Option<String>,
}

/// A booking request as the therapist sees it.
#[derive(Debug, Clone)]
pub(crate) struct BookingRequestRow {
    pub id: String,
    pub name: String,
    pub email: String,
    pub phone: String,
    pub when: String,
    pub partner: bool,
    pub concern: String,
    pub message: String,
    pub voicemail_ok: bool,
}

#[derive(Template)]
#[template(path = "booking/requests.html")]
pub(crate) struct BookingRequestsTemplate {
    pub layout: Layout,
    pub notice: Option<Notice>,
    pub requests: Vec<BookingRequestRow>,
}
