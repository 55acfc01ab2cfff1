//! What every page shares: the base layout, forms and their fields,
//! notices, the error page, and rendering. Templates sit beside the
//! module that renders them (`src/<area>/<module>/*.html`); values are
//! escaped by the template engine, so nothing a person typed is ever
//! rendered as HTML.
use askama::Template;
use axum::http::StatusCode;
use axum::response::{Html, IntoResponse, Response};

use crate::error::WebError;

/// The `?done=…` a page is redirected to after a change, naming what was
/// done so the page can say so.
#[derive(serde::Deserialize, Default)]
pub(crate) struct Done {
    #[serde(default)]
    pub done: String,
}

pub(crate) fn render(template: &impl Template) -> Result<Html<String>, WebError> {
    Ok(Html(template.render()?))
}

pub(crate) fn render_status(status: StatusCode, template: &impl Template) -> Result<Response, WebError> {
    Ok((status, render(template)?).into_response())
}

/// An id from the path. One that does not parse names nothing: 404, like an
/// unknown one.
pub(crate) fn path_id<T: std::str::FromStr>(id: &str) -> Result<T, WebError> {
    id.parse().map_err(|_| WebError(sensate_app::AppError::NotFound))
}

/// What the base layout needs on every page.
#[derive(Debug, Clone, Default)]
pub(crate) struct Layout {
    pub demo: bool,
    /// The signed-in person's name, for the sign-out button.
    pub user: Option<String>,
    /// A signed-in person's app menu: their work, in place of the public
    /// site's links. Empty for visitors.
    pub menu: Vec<MenuItem>,
    /// The anti-forgery token forms embed.
    pub csrf: String,
    /// Which entry of the public site's navigation is the current page.
    pub current: &'static str,
    /// How the reader writes times, dates and distances (from the
    /// browser's `Accept-Language`); pages write every time with it.
    pub locale: sensate_domain::Locale,
}

/// One entry of the app menu.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct MenuItem {
    pub href: &'static str,
    pub label: &'static str,
    /// What waits there (booking requests), shown as a badge when above zero.
    pub count: usize,
    /// The page shown is this entry or one of its pages.
    pub active: bool,
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
#[template(path = "ui/error.html")]
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
    /// A select's choices: (value sent, text shown).
    pub options: Vec<(&'static str, &'static str)>,
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
        self.options = options.iter().map(|o| (*o, *o)).collect();
        self
    }

    /// A select of the time zones practices use most, by the names people
    /// use ("Eastern Time (New York)"); the value is the IANA name.
    pub fn zone_options(self) -> Self {
        static LABELLED: std::sync::OnceLock<Vec<(&'static str, String)>> = std::sync::OnceLock::new();
        let labelled = LABELLED.get_or_init(|| {
            sensate_domain::practice::COMMON_TIME_ZONES
                .iter()
                .map(|zone| (*zone, sensate_domain::locale::zone_choice_label(zone)))
                .collect()
        });
        let options: Vec<(&'static str, &'static str)> = labelled.iter().map(|(v, l)| (*v, l.as_str())).collect();
        self.labelled_options(&options)
    }

    /// A select whose choices are shown in words: (value, text).
    pub fn labelled_options(mut self, options: &[(&'static str, &'static str)]) -> Self {
        self.kind = "select";
        self.options = options.to_vec();
        self
    }
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
#[template(path = "ui/form_page.html")]
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

/// An option of a select list.
#[derive(Debug, Clone)]
pub(crate) struct Choice {
    pub value: String,
    pub label: String,
    pub selected: bool,
}
