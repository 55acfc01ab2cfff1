//! The kinds of session a practice offers: length, fee, formats, who takes
//! part, whether it is a short trial consultation and whether a booking
//! waits for the clinician's approval. Owners and admins define them; the
//! booking pages offer the active ones.
use sensate_domain::FieldErrors;
use sensate_domain::policy::Action;
use sensate_domain::scheduling::{Participants, SessionFormat};
use sensate_store::SessionTypeRecord;

use crate::audit::outcome;
use crate::money;
use crate::{Actor, AppError};

/// The form, as typed.
#[derive(Debug, Clone, Default)]
pub struct SessionTypeInput {
    pub name: String,
    /// Minutes, as typed.
    pub duration: String,
    /// Dollars, as typed; empty for "no fee published".
    pub fee: String,
    pub in_person: bool,
    pub telehealth: bool,
    pub participants: String,
    pub trial: bool,
    pub needs_approval: bool,
}

/// A session type as checked: name, minutes, cents, who takes part.
type Checked = (String, u32, Option<i64>, Participants);

fn check(input: &SessionTypeInput) -> Result<Checked, AppError> {
    let mut errors = FieldErrors::new();
    let name = input.name.trim().to_string();
    if name.is_empty() {
        errors.add("name", "Give the session type a name clients understand, for example “Couple session”.");
    } else if name.chars().count() > 80 {
        errors.add("name", "Use at most 80 characters.");
    }
    let duration = match input.duration.trim().parse::<u32>() {
        Ok(minutes) if (5..=480).contains(&minutes) => minutes,
        _ => {
            errors.add("duration", "Enter the length in minutes, between 5 and 480.");
            0
        }
    };
    let fee = money::dollars_to_cents(&mut errors, "fee", &input.fee);
    if !input.in_person && !input.telehealth {
        errors.add("in_person", "Choose at least one way to meet: in person, by video, or both.");
    }
    let participants = Participants::parse(&input.participants);
    if participants.is_none() {
        errors.add("participants", "Choose who takes part: individual, couple, or either.");
    }
    AppError::invalid_if_any(errors)?;
    let participants = participants.ok_or_else(|| AppError::Internal("validated participants missing".into()))?;
    Ok((name, duration, fee, participants))
}

/// The formats a session type allows, video first.
pub fn formats(kind: &SessionTypeRecord) -> Vec<SessionFormat> {
    [(kind.telehealth, SessionFormat::Telehealth), (kind.in_person, SessionFormat::InPerson)]
        .into_iter()
        .filter_map(|(offered, format)| offered.then_some(format))
        .collect()
}

impl super::Scheduling<'_> {
    /// Every session type of the actor's practice, active or not.
    pub async fn session_types(&self, actor: &Actor) -> Result<Vec<SessionTypeRecord>, AppError> {
        let practice = self.app.authorize_in_practice(actor, Action::ManageSessionTypes).await?;
        Ok(self.app.store.session_types(practice).await?)
    }

    pub async fn add_session_type(
        &self,
        actor: &Actor,
        input: &SessionTypeInput,
    ) -> Result<sensate_domain::SessionTypeId, AppError> {
        let practice = self.app.authorize_in_practice(actor, Action::ManageSessionTypes).await?;
        let (name, duration_minutes, fee_cents, participants) = check(input)?;
        let id = sensate_domain::SessionTypeId::new();
        let uow = self.app.store.begin_write().await?;
        uow.insert_session_type(&SessionTypeRecord {
            id,
            practice_id: practice,
            name,
            duration_minutes,
            fee_cents,
            in_person: input.in_person,
            telehealth: input.telehealth,
            participants,
            trial: input.trial,
            needs_approval: input.needs_approval,
            active: true,
            created_at: self.app.now(),
        })
        .await?;
        uow.audit(self.app.actor_event(
            actor,
            Some(practice),
            "add_session_type",
            "session_type",
            id.to_string(),
            outcome::ALLOWED,
        ));
        uow.commit().await?;
        Ok(id)
    }

    /// Offers a session type again, or withdraws it from booking (existing
    /// appointments keep it).
    pub async fn set_session_type_active(
        &self,
        actor: &Actor,
        id: sensate_domain::SessionTypeId,
        active: bool,
    ) -> Result<(), AppError> {
        let practice = self.app.authorize_in_practice(actor, Action::ManageSessionTypes).await?;
        let uow = self.app.store.begin_write().await?;
        if !uow.set_session_type_active(practice, id, active).await? {
            return Err(AppError::NotFound);
        }
        let action = if active { "offer_session_type" } else { "withdraw_session_type" };
        uow.audit(self.app.actor_event(
            actor,
            Some(practice),
            action,
            "session_type",
            id.to_string(),
            outcome::ALLOWED,
        ));
        Ok(uow.commit().await?)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn input() -> SessionTypeInput {
        SessionTypeInput {
            name: "Couple session".into(),
            duration: "80".into(),
            fee: "220".into(),
            in_person: true,
            telehealth: true,
            participants: "couple".into(),
            trial: false,
            needs_approval: true,
        }
    }

    #[test]
    fn a_good_session_type_is_read_as_minutes_and_cents() {
        assert_eq!(check(&input()).unwrap(), ("Couple session".to_string(), 80, Some(22_000), Participants::Couple));
        let free = SessionTypeInput { fee: String::new(), ..input() };
        assert_eq!(check(&free).unwrap().2, None);
    }

    #[test]
    fn each_mistake_is_named_on_its_field() {
        let bad = SessionTypeInput {
            name: " ".into(),
            duration: "600".into(),
            fee: "lots".into(),
            in_person: false,
            telehealth: false,
            participants: "group".into(),
            ..input()
        };
        let Err(AppError::Invalid(errors)) = check(&bad) else { panic!("refused") };
        for field in ["name", "duration", "fee", "in_person", "participants"] {
            assert!(errors.get(field).is_some(), "{field}");
        }
    }
}
