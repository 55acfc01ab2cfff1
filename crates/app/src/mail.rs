//! Sending mail from a use case, after its unit of work has committed.
use crate::App;
use crate::infra::mailer::Email as Mail;

impl App {
    /// Sends mail; a failure is logged (without recipient or content) and
    /// does not undo what was already committed.
    pub(crate) async fn send_mail(&self, mail: Mail) -> bool {
        match self.mailer.send(&mail).await {
            Ok(()) => true,
            Err(error) => {
                tracing::error!(error = %error, "sending mail failed");
                false
            }
        }
    }
}
