//! Askama templates and the view models they render. Values are escaped by
//! the template engine; nothing a person typed is ever rendered as HTML.
use askama::Template;

/// What the base layout needs on every page.
#[derive(Debug, Clone, Default)]
pub(crate) struct Layout {
    pub demo: bool,
    /// The signed-in person's name, for the sign-out button.
    pub user: Option<String>,
    /// The anti-forgery token forms embed.
    pub csrf: String,
    /// Which navigation entry is the current page.
    pub current: &'static str,
}

impl Layout {
    pub fn anonymous(demo: bool) -> Self {
        Self {
            demo,
            ..Self::default()
        }
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

#[derive(Template)]
#[template(path = "error.html")]
pub(crate) struct ErrorTemplate {
    pub layout: Layout,
    pub title: &'static str,
    pub message: &'static str,
    pub request_id: Option<String>,
}

/// One labelled form control with its hint and error, rendered by `_field.html`.
#[derive(Debug, Clone)]
pub(crate) struct Field {
    pub name: &'static str,
    pub label: &'static str,
    /// `text`, `email`, `password` or `select`.
    pub kind: &'static str,
    pub value: String,
    pub autocomplete: &'static str,
    pub hint: &'static str,
    pub error: Option<String>,
    pub options: Vec<&'static str>,
}

impl Field {
    pub fn new(
        name: &'static str,
        label: &'static str,
        kind: &'static str,
        autocomplete: &'static str,
    ) -> Self {
        Self {
            name,
            label,
            kind,
            value: String::new(),
            autocomplete,
            hint: "",
            error: None,
            options: Vec::new(),
        }
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

    pub fn error(mut self, error: Option<&str>) -> Self {
        self.error = error.map(str::to_string);
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
    pub error: Option<&'static str>,
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
}
