//! The intake in the portal (`/me/intake`, `/me/intake/{case}`: each
//! client answers privately, saves drafts, then sends), and a client's
//! answers with flags for the care team (`/cases/{id}/intake/{client}`).
use askama::Template;
use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use sensate_app::AppError;
use sensate_app::care::intake::{IntakeState, IntakeView};
use sensate_app::directory::search::reference_data;
use sensate_domain::care::intake::{self, CONDITIONS, EXPERIENCE, FORMATS, IntakeAnswers, MEDICINES, SAFETY};
use sensate_domain::{CaseId, FieldErrors, UserId};

use crate::AppState;
use crate::context::Page;
use crate::error::WebError;
use crate::form::Form;
use crate::ui::{Done, Layout, Notice, path_id, render_status};

/// A checkbox or radio button of the intake form.
pub(crate) struct Check {
    pub name: &'static str,
    pub value: String,
    pub label: String,
    pub checked: bool,
}

/// A free-text question.
pub(crate) struct Question {
    pub name: &'static str,
    pub label: &'static str,
    pub hint: &'static str,
    pub value: String,
}

/// Checkboxes or radio buttons under one legend, sent under one name.
pub(crate) struct Group {
    pub name: &'static str,
    pub legend: &'static str,
    pub options: Vec<Check>,
}

/// A group of questions under one heading.
pub(crate) struct Topic {
    pub id: &'static str,
    pub heading: &'static str,
    pub intro: &'static str,
    /// Checkbox groups shown before the questions.
    pub checks: Vec<Group>,
    pub questions: Vec<Question>,
    /// Radio groups shown after the questions.
    pub radios: Vec<Group>,
}

fn group(legend: &'static str, options: Vec<Check>) -> Group {
    Group { name: options.first().map_or("", |o| o.name), legend, options }
}

fn options(name: &'static str, choices: &[intake::Choice], chosen: &[String]) -> Vec<Check> {
    choices
        .iter()
        .map(|c| Check {
            name,
            value: c.slug.to_string(),
            label: c.label.to_string(),
            checked: chosen.iter().any(|s| s == c.slug),
        })
        .collect()
}

fn radios(name: &'static str, choices: &[intake::Choice], chosen: &str) -> Vec<Check> {
    options(name, choices, &[chosen.to_string()])
}

fn question(name: &'static str, label: &'static str, hint: &'static str, value: &str) -> Question {
    Question { name, label, hint, value: value.to_string() }
}

/// The five topics of a first conversation, then what brings them.
fn topics(a: &IntakeAnswers) -> Result<Vec<Topic>, AppError> {
    let reference = reference_data()?;
    let concerns = reference
        .concerns()
        .iter()
        .map(|c| Check {
            name: "concerns",
            value: c.slug.clone(),
            label: c.name.clone(),
            checked: a.concerns.contains(&c.slug),
        })
        .collect();
    Ok(vec![
        Topic {
            id: "what-brings-you",
            heading: "What brings you",
            intro: "",
            checks: vec![group("What would you like help with?", concerns)],
            questions: vec![
                question("goals", "What would you like to be different?", "In your own words.", &a.goals),
                question(
                    "previous_therapy",
                    "Earlier therapy or counselling",
                    "When, with whom, and what helped or did not.",
                    &a.previous_therapy,
                ),
            ],
            radios: vec![group("How would you like to be seen?", radios("format", &FORMATS, &a.format))],
        },
        Topic {
            id: "health",
            heading: "Your health",
            intro: "Some medicines and health conditions affect sexual function. Knowing them helps your therapist, \
                who may suggest seeing a doctor as well.",
            checks: vec![
                group("Do you take any of these?", options("medicines", &MEDICINES, &a.medicines)),
                group("Do you have, or have you had, any of these?", options("conditions", &CONDITIONS, &a.conditions)),
            ],
            questions: vec![
                question(
                    "health",
                    "Anything else about your health",
                    "Other conditions or medicines, surgery, pregnancy, menopause.",
                    &a.health,
                ),
                question(
                    "alcohol_and_drugs",
                    "Alcohol and drugs",
                    "How much and how often, if at all.",
                    &a.alcohol_and_drugs,
                ),
            ],
            radios: vec![],
        },
        Topic {
            id: "education",
            heading: "What you learned about sex",
            intro: "",
            checks: vec![],
            questions: vec![question(
                "sex_education",
                "What did you learn, and where?",
                "And what was missing.",
                &a.sex_education,
            )],
            radios: vec![],
        },
        Topic {
            id: "background",
            heading: "Your background",
            intro: "",
            checks: vec![],
            questions: vec![
                question(
                    "sexual_background",
                    "Your history and relationships",
                    "As much or as little as you like.",
                    &a.sexual_background,
                ),
                question("identity", "Your orientation and identity", "In your own words.", &a.identity),
            ],
            radios: vec![],
        },
        Topic {
            id: "beliefs",
            heading: "Beliefs and ideas about sex",
            intro: "",
            checks: vec![],
            questions: vec![question(
                "beliefs",
                "What shaped how you think about sex?",
                "Culture, faith, family, messages you received.",
                &a.beliefs,
            )],
            radios: vec![],
        },
        Topic {
            id: "gender",
            heading: "Gender",
            intro: "",
            checks: vec![],
            questions: vec![question(
                "gender_challenges",
                "Any challenges related to gender",
                "Yours, or in your relationship.",
                &a.gender_challenges,
            )],
            radios: vec![],
        },
        Topic {
            id: "safety",
            heading: "Safety",
            intro: "Your answers here help your therapist go at the right pace. They are never shared with a partner.",
            checks: vec![],
            questions: vec![],
            radios: vec![
                group(
                    "Has anything sexual happened to you that you did not want, or that still troubles you?",
                    radios("unwanted_experience", &EXPERIENCE, &a.unwanted_experience),
                ),
                group(
                    "Do you feel safe at home and in your relationship?",
                    radios("feels_safe", &SAFETY, &a.feels_safe),
                ),
            ],
        },
    ])
}

/// Answers from the form's fields (checkbox groups repeat their name).
fn answers_from(pairs: &[(String, String)]) -> IntakeAnswers {
    let one = |name: &str| pairs.iter().find(|(k, _)| k == name).map(|(_, v)| v.trim().to_string()).unwrap_or_default();
    let all = |name: &str| pairs.iter().filter(|(k, _)| k == name).map(|(_, v)| v.clone()).collect();
    IntakeAnswers {
        conditions: all("conditions"),
        medicines: all("medicines"),
        health: one("health"),
        alcohol_and_drugs: one("alcohol_and_drugs"),
        sex_education: one("sex_education"),
        sexual_background: one("sexual_background"),
        identity: one("identity"),
        beliefs: one("beliefs"),
        gender_challenges: one("gender_challenges"),
        concerns: all("concerns"),
        goals: one("goals"),
        format: one("format"),
        previous_therapy: one("previous_therapy"),
        unwanted_experience: one("unwanted_experience"),
        feels_safe: one("feels_safe"),
    }
}

#[derive(Template)]
#[template(path = "care/intake_form.html")]
pub(crate) struct IntakeFormTemplate {
    pub layout: Layout,
    pub case: String,
    pub notice: Option<Notice>,
    pub topics: Vec<Topic>,
    pub consent_needed: bool,
    pub submitted: Option<String>,
    pub saved: Option<String>,
    pub errors: FieldErrors,
}

impl IntakeFormTemplate {
    fn error(&self, field: &str) -> Option<&str> {
        self.errors.get(field)
    }
}

fn form_page(
    view: &IntakeView,
    answers: &IntakeAnswers,
    layout: Layout,
    zone: &jiff::tz::TimeZone,
    notice: Option<Notice>,
    errors: FieldErrors,
) -> Result<IntakeFormTemplate, WebError> {
    let locale = layout.locale;
    Ok(IntakeFormTemplate {
        case: view.case.to_string(),
        notice,
        topics: topics(answers)?,
        consent_needed: view.consent_needed,
        submitted: view.submitted_at.map(|at| locale.when(at, zone)),
        saved: view.updated_at.map(|at| locale.when(at, zone)),
        errors,
        layout: layout.at("intake"),
    })
}

pub(crate) struct IntakeLink {
    pub href: String,
    pub label: String,
    pub state: String,
}

#[derive(Template)]
#[template(path = "care/my_intakes.html")]
pub(crate) struct MyIntakesTemplate {
    pub layout: Layout,
    pub intakes: Vec<IntakeLink>,
}

pub(crate) fn state_text(state: IntakeState, layout: &Layout, zone: &jiff::tz::TimeZone) -> String {
    match state {
        IntakeState::NotStarted => "Not started".to_string(),
        IntakeState::Draft(at) => format!("Draft, saved {}", layout.locale.when(at, zone)),
        IntakeState::Submitted(at) => format!("Sent {}", layout.locale.when(at, zone)),
    }
}

/// `GET /me/intake`
pub(crate) async fn mine(State(state): State<AppState>, page: Page) -> Result<Response, WebError> {
    let (actor, layout) = page.signed_in()?;
    let zone = actor.practice_zone();
    let intakes = state
        .app
        .care()
        .my_intakes(&actor)
        .await?
        .into_iter()
        .map(|(case, st)| IntakeLink {
            href: format!("/me/intake/{}", case.id),
            label: match case.kind {
                sensate_domain::scheduling::CaseKind::Couple => format!("Couple therapy with {}", case.primary_name),
                sensate_domain::scheduling::CaseKind::Individual => format!("Therapy with {}", case.primary_name),
            },
            state: state_text(st, &layout, &zone),
        })
        .collect();
    render_status(StatusCode::OK, &MyIntakesTemplate { layout: layout.at("intake"), intakes })
}

/// `GET /me/intake/{case}`
pub(crate) async fn form(
    State(state): State<AppState>,
    page: Page,
    Path(case): Path<String>,
    Query(done): Query<Done>,
) -> Result<Response, WebError> {
    let (actor, layout) = page.signed_in()?;
    let case: CaseId = path_id(&case)?;
    let view = state.app.care().my_intake(&actor, case).await?;
    let notice = match done.done.as_str() {
        "saved" => Some(Notice::success("Saved. You can come back and finish later.")),
        "sent" => Some(Notice::success("Sent to your therapist. Thank you.")),
        _ => None,
    };
    let page = form_page(&view, &view.answers, layout, &actor.practice_zone(), notice, FieldErrors::new())?;
    render_status(StatusCode::OK, &page)
}

/// `POST /me/intake/{case}`: `action=save` keeps a draft, `action=send` sends.
pub(crate) async fn save(
    State(state): State<AppState>,
    page: Page,
    Path(case): Path<String>,
    Form(pairs): Form<Vec<(String, String)>>,
) -> Result<Response, WebError> {
    let (actor, layout) = page.signed_in()?;
    let case: CaseId = path_id(&case)?;
    let answers = answers_from(&pairs);
    let send = pairs.iter().any(|(k, v)| k == "action" && v == "send");
    match state.app.care().save_my_intake(&actor, case, &answers, send).await {
        Ok(()) => {
            let done = if send { "sent" } else { "saved" };
            Ok(Redirect::to(&format!("/me/intake/{case}?done={done}")).into_response())
        }
        Err(AppError::Invalid(errors)) => {
            let view = state.app.care().my_intake(&actor, case).await?;
            let notice = Some(Notice::error("Nothing was saved. See the messages below; what you typed is kept."));
            let page = form_page(&view, &answers, layout, &actor.practice_zone(), notice, errors)?;
            render_status(StatusCode::UNPROCESSABLE_ENTITY, &page)
        }
        Err(other) => Err(other.into()),
    }
}

/// An answered question in the therapist's summary.
pub(crate) struct Answered {
    pub label: String,
    pub text: String,
}

#[derive(Template)]
#[template(path = "care/intake_summary.html")]
pub(crate) struct IntakeSummaryTemplate {
    pub layout: Layout,
    pub case: String,
    pub name: String,
    pub state: String,
    pub flags: Vec<String>,
    /// (topic, answers), topics without answers left out.
    pub topics: Vec<(&'static str, Vec<Answered>)>,
}

/// `GET /cases/{id}/intake/{client}`: a client's answers, flags first.
pub(crate) async fn summary(
    State(state): State<AppState>,
    page: Page,
    Path((case, client)): Path<(String, String)>,
) -> Result<Response, WebError> {
    let (actor, layout) = page.signed_in()?;
    let case: CaseId = path_id(&case)?;
    let client: UserId = path_id(&client)?;
    let view = state.app.care().client_intake(&actor, case, client).await?;
    let zone = actor.practice_zone();
    let st = view.state();
    let mut topics_out = Vec::new();
    for topic in topics(&view.answers)? {
        let mut answered = Vec::new();
        for g in topic.checks.iter().chain(topic.radios.iter()) {
            let chosen: Vec<&str> = g.options.iter().filter(|o| o.checked).map(|o| o.label.as_str()).collect();
            if !chosen.is_empty() {
                answered.push(Answered { label: g.legend.to_string(), text: chosen.join("; ") });
            }
        }
        for q in &topic.questions {
            if !q.value.is_empty() {
                answered.push(Answered { label: q.label.to_string(), text: q.value.clone() });
            }
        }
        if !answered.is_empty() {
            topics_out.push((topic.heading, answered));
        }
    }
    let template = IntakeSummaryTemplate {
        case: case.to_string(),
        name: view.client_name.clone(),
        state: state_text(st, &layout, &zone),
        flags: view.flags().iter().map(|f| f.text()).collect(),
        topics: topics_out,
        layout: layout.at("clients"),
    };
    render_status(StatusCode::OK, &template)
}
