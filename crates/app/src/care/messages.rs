//! Secure messages between a case's clients and its care team: one thread
//! per case; a partner writes to the therapist alone or to both; bodies are
//! sealed to their message; the repository's query decides who sees what
//! (so does the policy); every read and write is audited; the people it
//! reaches get an email that says only that there is a new message.
use sensate_domain::care::ConfidentialityPolicy;
use sensate_domain::care::messages::{self, ATTACHMENT_MAX_BYTES, AttachmentKind, Audience};
use sensate_domain::policy::{Action, Resource};
use sensate_domain::scheduling::CaseKind;
use sensate_domain::{CaseId, FieldErrors, JobId, PracticeId, UserId};
use sensate_store::{AttachmentRecord, CaseRecord, MessageRecord, NewJob};

use crate::audit::outcome;
use crate::infra::crypto::Binding;
use crate::mail::{Letter, MailName};
use crate::{Actor, AppError};

/// The job that emails one person that a message waits for them.
pub(crate) const MESSAGE_NOTICE_JOB: &str = "message_notice";

/// A message as its reader sees it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Message {
    pub id: uuid::Uuid,
    pub author_name: String,
    pub by_team: bool,
    /// "To the care team only", "To Robin and the care team", "To everyone in the case".
    pub audience: String,
    pub body: String,
    pub sent_at: jiff::Timestamp,
    /// For the care team: the clients who opened it.
    pub read_by: Vec<String>,
    pub attachment: Option<AttachmentInfo>,
}

/// A file attached to a message, as its list shows it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AttachmentInfo {
    pub id: uuid::Uuid,
    pub name: String,
    pub content_type: String,
    pub size_bytes: i64,
}

/// A file as it was uploaded with a message.
#[derive(Debug, Clone, Default)]
pub struct Upload {
    pub name: String,
    pub bytes: Vec<u8>,
}

/// An attachment to download.
#[derive(Debug, Clone)]
pub struct Download {
    pub name: String,
    pub content_type: String,
    pub bytes: Vec<u8>,
}

/// Attached pictures are re-encoded to fit this many pixels on each side:
/// enough to read a photographed worksheet.
const ATTACHMENT_MAX_SIDE: u32 = 2_400;

fn attachment_binding<'a>(column: &'static str, id: &'a str) -> Binding<'a> {
    Binding::new("message_attachments", column, id)
}

/// Checks an upload and makes what is stored of it: a PDF as sent, a
/// picture re-encoded (nothing but its pixels kept). Refusals name the
/// `attachment` field.
async fn prepare_attachment(upload: Upload) -> Result<(AttachmentKind, String, Vec<u8>), AppError> {
    let refuse = |message: &str| {
        let mut errors = FieldErrors::new();
        errors.add("attachment", message);
        AppError::Invalid(errors)
    };
    if upload.bytes.len() > ATTACHMENT_MAX_BYTES {
        return Err(refuse("The file is larger than 5 MB. Choose a smaller one, or send it in parts."));
    }
    let Some(kind) = AttachmentKind::sniff(&upload.bytes) else {
        return Err(refuse("Attach a PDF, a PNG or a JPEG file."));
    };
    let name = messages::attachment_name(&upload.name, kind);
    match kind {
        AttachmentKind::Pdf => Ok((kind, name, upload.bytes)),
        AttachmentKind::Image => {
            let bytes = upload.bytes;
            let encoded = tokio::task::spawn_blocking(move || {
                crate::directory::photos::reencode_within(&bytes, ATTACHMENT_MAX_SIDE)
            })
            .await
            .map_err(|e| AppError::Internal(format!("attachment encoding stopped: {e}")))?;
            match encoded {
                Ok(picture) => Ok((kind, name, picture.jpeg)),
                Err(crate::directory::photos::PhotoProblem::TooManyPixels) => {
                    Err(refuse("The picture is more than 8,000 pixels wide or high. Choose a smaller one."))
                }
                Err(_) => Err(refuse("The picture could not be read; the file may be damaged. Try another.")),
            }
        }
    }
}

/// A case's thread, as one reader sees it.
#[derive(Debug, Clone)]
pub struct Thread {
    pub case: CaseId,
    /// The case's clients, by name.
    pub clients: Vec<String>,
    pub messages: Vec<Message>,
    /// (value, label) of who a new message may be for; empty when the
    /// reader may not write (a supervisor).
    pub audiences: Vec<(String, String)>,
    /// For a client of a couple under "no secrets": what writing alone means.
    pub note: Option<&'static str>,
}

fn binding(id: &str) -> Binding<'_> {
    Binding::new("messages", "body", id)
}

pub(crate) fn resource(record: &CaseRecord) -> Resource {
    Resource::Thread {
        practice: record.practice_id,
        clients: record.clients.iter().map(|(id, _)| *id).collect(),
        primary: record.primary,
        team: record.team.iter().map(|m| (m.user, m.role)).collect(),
    }
}

fn on_team(record: &CaseRecord, user: UserId) -> bool {
    record.primary == user || record.team.iter().any(|m| m.user == user)
}

fn name_of(record: &CaseRecord, user: UserId) -> String {
    record.clients.iter().find(|(id, _)| *id == user).map(|(_, n)| n.clone()).unwrap_or_default()
}

/// Who a message may be for, as the writer chooses: clients write to the
/// care team alone or, in a couple's case, to everyone; the care team to
/// one client or to everyone.
fn audiences(record: &CaseRecord, writer: UserId) -> Vec<(String, String)> {
    if on_team(record, writer) {
        let mut list: Vec<(String, String)> = record
            .clients
            .iter()
            .map(|(id, name)| (format!("client:{id}"), format!("{name} only (and the care team)")))
            .collect();
        if record.clients.len() > 1 {
            list.insert(0, ("everyone".into(), "Everyone in the case".into()));
        }
        list
    } else if record.kind == CaseKind::Couple {
        vec![("team".into(), "The care team only".into()), ("everyone".into(), "The care team and my partner".into())]
    } else {
        vec![("team".into(), "The care team".into())]
    }
}

impl super::Care<'_> {
    /// The case, if in a practice of the actor's, and the actor may `action` its thread.
    async fn thread_case(&self, actor: &Actor, case: CaseId, action: Action) -> Result<CaseRecord, AppError> {
        let record = self.app.store.case_record(case).await?;
        let Some(record) = record.filter(|r| actor.memberships.iter().any(|m| m.practice_id == r.practice_id)) else {
            let practice = actor.acting_practice();
            self.app.audit_actor(actor, practice, "view_messages", "case", case.to_string(), outcome::DENIED).await?;
            return Err(AppError::NotFound);
        };
        self.app.authorize(actor, action, &resource(&record), ("case", case.to_string())).await?;
        Ok(record)
    }

    /// The thread as the actor may see it; opening it marks what it shows as read.
    pub async fn thread(&self, actor: &Actor, case: CaseId) -> Result<Thread, AppError> {
        let record = self.thread_case(actor, case, Action::ReadMessages).await?;
        let team = on_team(&record, actor.user_id);
        let stored = self.app.store.messages_seen_by(case, actor.user_id, team).await?;
        let reads = if team { self.app.store.message_reads(case).await? } else { Vec::new() };
        let attachments = self.app.store.attachments_of_case(case).await?;
        let mut list = Vec::new();
        for m in &stored {
            // The query decided; this checks it again, by the domain's rule.
            let audience = m.private_to.map_or(Audience::Everyone, Audience::Only);
            if !audience.reaches(actor.user_id, team) {
                continue;
            }
            let body = self.app.keys.decrypt(&binding(&m.id.to_string()), &m.body)?;
            list.push(Message {
                id: m.id,
                author_name: m.author_name.clone(),
                by_team: on_team(&record, m.author),
                audience: match m.private_to {
                    None if record.clients.len() > 1 => "To everyone in the case".to_string(),
                    None => "To the care team".to_string(),
                    Some(client) if team => format!("To {} and the care team", name_of(&record, client)),
                    Some(_) => "To the care team only".to_string(),
                },
                body: body.expose().to_string(),
                sent_at: m.sent_at,
                read_by: reads
                    .iter()
                    .filter(|(message, reader)| {
                        *message == m.id && *reader != m.author && record.clients.iter().any(|(id, _)| id == reader)
                    })
                    .map(|(_, reader)| name_of(&record, *reader))
                    .collect(),
                attachment: match attachments.iter().find(|a| a.message_id == m.id) {
                    Some(a) => {
                        let name =
                            self.app.keys.decrypt(&attachment_binding("file_name", &a.id.to_string()), &a.file_name)?;
                        Some(AttachmentInfo {
                            id: a.id,
                            name: name.expose().to_string(),
                            content_type: a.content_type.clone(),
                            size_bytes: a.size_bytes,
                        })
                    }
                    None => None,
                },
            });
        }
        let may_write = sensate_domain::policy::decide(&actor.facts(), Action::SendMessage, &resource(&record))
            == sensate_domain::policy::Decision::Allow;
        let note = (!team
            && record.kind == CaseKind::Couple
            && record.confidentiality == Some(ConfidentialityPolicy::NoSecrets))
        .then_some(
            "Under the confidentiality policy you signed, what you write to the care team alone may be brought into \
             joint sessions when it matters for your work together.",
        );
        let uow = self.app.store.begin_write().await?;
        uow.mark_read(&stored.iter().map(|m| m.id).collect::<Vec<_>>(), actor.user_id, self.app.now()).await?;
        uow.audit(self.app.actor_event(
            actor,
            Some(record.practice_id),
            "view_messages",
            "case",
            case.to_string(),
            outcome::ALLOWED,
        ));
        uow.commit().await?;
        Ok(Thread {
            case,
            clients: record.clients.iter().map(|(_, n)| n.clone()).collect(),
            messages: list,
            audiences: if may_write { audiences(&record, actor.user_id) } else { Vec::new() },
            note,
        })
    }

    /// Sends a message to `to` (one of the thread's audiences), with a file
    /// if one is attached, and queues the notices to those it reaches.
    pub async fn send_message(
        &self,
        actor: &Actor,
        case: CaseId,
        to: &str,
        body: &str,
        attachment: Option<Upload>,
    ) -> Result<(), AppError> {
        let record = self.thread_case(actor, case, Action::SendMessage).await?;
        let attachment = attachment.filter(|upload| !upload.bytes.is_empty() || !upload.name.is_empty());
        let mut errors = FieldErrors::new();
        // A file may go without words.
        let body = if attachment.is_some() && body.trim().is_empty() {
            Some(String::new())
        } else {
            messages::check_body(body).map_err(|message| errors.add("body", message)).ok()
        };
        let team = on_team(&record, actor.user_id);
        let audience = match to.trim() {
            "everyone" if record.clients.len() > 1 || team => Some(Audience::Everyone),
            "team" if !team => Some(Audience::Only(actor.user_id)),
            chosen => chosen
                .strip_prefix("client:")
                .and_then(|id| id.parse::<UserId>().ok())
                .filter(|id| team && record.clients.iter().any(|(client, _)| client == id))
                .map(Audience::Only),
        };
        if audience.is_none() {
            errors.add("to", "Choose who the message is for.");
        }
        AppError::invalid_if_any(errors)?;
        let (Some(body), Some(audience)) = (body, audience) else {
            return Err(AppError::Internal("validated message fields missing".into()));
        };
        let id = uuid::Uuid::now_v7();
        let now = self.app.now();
        let attachment = match attachment {
            Some(upload) => {
                let (kind, name, bytes) = prepare_attachment(upload).await?;
                let attachment_id = uuid::Uuid::now_v7();
                let key = attachment_id.to_string();
                let data = self.app.keys.encrypt_bytes(&attachment_binding("data", &key), &bytes)?;
                Some(AttachmentRecord {
                    id: attachment_id,
                    message_id: id,
                    content_type: kind.stored_type().to_string(),
                    size_bytes: i64::try_from(bytes.len()).unwrap_or(i64::MAX),
                    file_name: self.app.keys.encrypt(&attachment_binding("file_name", &key), &name)?,
                    data,
                })
            }
            None => None,
        };
        let message = MessageRecord {
            id,
            practice_id: record.practice_id,
            case_id: case,
            author: actor.user_id,
            author_name: actor.display_name.clone(),
            private_to: match audience {
                Audience::Everyone => None,
                Audience::Only(client) => Some(client),
            },
            body: self.app.keys.encrypt(&binding(&id.to_string()), &body)?,
            sent_at: now,
        };
        // Those it reaches, but the writer and a supervisor (who only reads).
        let mut recipients: Vec<UserId> = record
            .clients
            .iter()
            .map(|(client, _)| *client)
            .filter(|client| audience.reaches(*client, false))
            .collect();
        recipients.push(record.primary);
        recipients.extend(
            record.team.iter().filter(|m| m.role == sensate_domain::care::CareRole::CoTherapist).map(|m| m.user),
        );
        recipients.retain(|user| *user != actor.user_id);
        let uow = self.app.store.begin_write().await?;
        uow.insert_message(&message).await?;
        if let Some(attachment) = &attachment {
            uow.insert_attachment(attachment).await?;
        }
        for recipient in recipients {
            let job = NewJob {
                id: JobId::new(),
                kind: MESSAGE_NOTICE_JOB.to_string(),
                payload: format!("{recipient}/{}/{case}", record.practice_id),
                dedupe_key: format!("{MESSAGE_NOTICE_JOB}:{id}:{recipient}"),
                run_at: now,
            };
            uow.enqueue_job(&job, now).await?;
        }
        uow.audit(self.app.actor_event(
            actor,
            Some(record.practice_id),
            "send_message",
            "message",
            id.to_string(),
            outcome::ALLOWED,
        ));
        uow.commit().await?;
        self.app.jobs_queued.notify_one();
        Ok(())
    }

    /// The job of [`MESSAGE_NOTICE_JOB`]: tells one person, discreetly, that
    /// a message waits, with a link; never what it says. Skipped when the
    /// account is gone or disabled.
    pub(crate) async fn run_message_notice(
        &self,
        job: JobId,
        payload: &str,
    ) -> Result<Result<crate::jobs::JobRun, crate::infra::mailer::MailError>, AppError> {
        let mut parts = payload.split('/');
        let parsed = (|| {
            Some((
                parts.next()?.parse::<UserId>().ok()?,
                parts.next()?.parse::<PracticeId>().ok()?,
                parts.next()?.parse::<CaseId>().ok()?,
            ))
        })();
        let (user, practice, case) =
            parsed.ok_or_else(|| AppError::Internal("a message notice's payload is not user/practice/case".into()))?;
        let Some(account) = self.app.store.user(user).await?.filter(|a| !a.disabled) else {
            return Ok(Ok(crate::jobs::JobRun::Skipped));
        };
        let client = self.app.store.case_record(case).await?.is_some_and(|r| r.clients.iter().any(|(c, _)| *c == user));
        let link = if client {
            format!("{}/me/messages/{case}", self.app.config.base_url)
        } else {
            format!("{}/cases/{case}/messages", self.app.config.base_url)
        };
        let practice_record = self.app.store.practice(practice).await?;
        let name = practice_record.as_ref().map(|p| MailName::of(p, true)).unwrap_or(MailName::NONE);
        let mail = Letter::to(Some(&account.display_name))
            .paragraph("You have a new message. Sign in to read it.")
            .link("Read the message", link)
            .signed(name.sender())
            .mail(account.email.as_str(), name.subject("You have a new message"))
            .from_name(name.sender())
            .with_message_id(format!("message.{}", job.as_uuid().simple()));
        let sent = crate::jobs::Sent {
            practice: Some(practice),
            action: "send_message_notice",
            record_type: "user",
            record_id: user.to_string(),
        };
        Ok(self.app.mailer.send(&mail).await.map(|()| crate::jobs::JobRun::Sent(sent)))
    }

    /// An attachment, for those who see its message; anyone else gets the
    /// same 404 as for an unknown one. Every download is audited.
    pub async fn attachment(&self, actor: &Actor, id: uuid::Uuid) -> Result<Download, AppError> {
        let found = self.app.store.attachment(id).await?;
        let Some((attachment, message)) = found else {
            let practice = actor.acting_practice();
            self.app
                .audit_actor(actor, practice, "view_attachment", "attachment", id.to_string(), outcome::DENIED)
                .await?;
            return Err(AppError::NotFound);
        };
        let record = self.thread_case(actor, message.case_id, Action::ReadMessages).await?;
        let team = on_team(&record, actor.user_id);
        let audience = message.private_to.map_or(Audience::Everyone, Audience::Only);
        let practice = record.practice_id;
        if !audience.reaches(actor.user_id, team) {
            self.app
                .audit_actor(actor, Some(practice), "view_attachment", "attachment", id.to_string(), outcome::DENIED)
                .await?;
            return Err(AppError::NotFound);
        }
        let key = id.to_string();
        let name = self.app.keys.decrypt(&attachment_binding("file_name", &key), &attachment.file_name)?;
        let bytes = self.app.keys.decrypt_bytes(&attachment_binding("data", &key), &attachment.data)?;
        self.app.audit_actor(actor, Some(practice), "view_attachment", "attachment", key, outcome::ALLOWED).await?;
        Ok(Download { name: name.expose().to_string(), content_type: attachment.content_type, bytes: bytes.to_vec() })
    }

    /// Who a case's thread is with, for the client's list: their open cases.
    pub async fn my_threads(&self, actor: &Actor) -> Result<Vec<sensate_store::CaseSummary>, AppError> {
        let practice = actor.acting_practice().ok_or(AppError::Forbidden)?;
        let resource = Resource::Account { practice, user: actor.user_id, roles: actor.roles_in(practice) };
        self.app.authorize(actor, Action::ViewOwnCare, &resource, ("user", actor.user_id.to_string())).await?;
        Ok(self
            .app
            .store
            .cases_of_client(practice, actor.user_id)
            .await?
            .into_iter()
            .filter(|c| c.status.is_open())
            .collect())
    }
}
