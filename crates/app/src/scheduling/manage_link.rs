//! The client's link to one appointment (`/appointments/manage/{token}`):
//! 256 random bits, looked up by their hash. The token is also kept sealed
//! by field encryption, so every email about the appointment (confirmation,
//! reminders) repeats the same link; the database alone opens nothing.
use sensate_domain::AppointmentId;

use crate::AppError;
use crate::infra::crypto::Binding;
use crate::infra::secrets::{new_token, token_hash};

fn binding(id: &str) -> Binding<'_> {
    Binding::new("appointment_links", "sealed_token", id)
}

impl super::Scheduling<'_> {
    /// The address where the client can see, cancel or move this
    /// appointment: made on first use, the same ever after. Carries no
    /// health data.
    pub async fn appointment_manage_link(&self, appointment: AppointmentId) -> Result<String, AppError> {
        let id = appointment.to_string();
        let link = |token: &str| format!("{}/appointments/manage/{token}", self.app.config.base_url);
        if let Some(sealed) = self.app.store.appointment_link(appointment).await? {
            return Ok(link(self.app.keys.decrypt(&binding(&id), &sealed)?.expose()));
        }
        let token = new_token();
        let sealed = self.app.keys.encrypt(&binding(&id), &token)?;
        if self.app.store.add_appointment_link(appointment, &token_hash(&token), &sealed, self.app.now()).await? {
            return Ok(link(&token));
        }
        // Another request made it first: that one is the link.
        let sealed = self.app.store.appointment_link(appointment).await?.ok_or(AppError::NotFound)?;
        Ok(link(self.app.keys.decrypt(&binding(&id), &sealed)?.expose()))
    }

    /// Which appointment a manage link's token opens.
    pub(crate) async fn appointment_of_link(&self, token: &str) -> Result<Option<AppointmentId>, AppError> {
        Ok(self.app.store.appointment_by_link(&token_hash(token)).await?)
    }
}
