//! Why an appointment was cancelled or a request declined, as categories:
//! never free text, so nothing about a client's health reaches the
//! appointment's history, the audit log or an email. The slug is stored;
//! the label is what the practice reads.

/// One category of reason.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Reason {
    pub slug: &'static str,
    /// As the practice reads it.
    pub label: &'static str,
}

/// Why the practice cancels an appointment.
pub const CANCEL_REASONS: [Reason; 5] = [
    Reason { slug: "client_asked", label: "The client asked to cancel" },
    Reason { slug: "clinician_unavailable", label: "The therapist is unavailable" },
    Reason { slug: "practice_closed", label: "The practice is closed" },
    Reason { slug: "rebooking", label: "To be booked again at another time" },
    Reason { slug: "other", label: "Another reason" },
];

/// Why a clinician declines a booking request; it also decides what the
/// visitor is told to do instead.
pub const DECLINE_REASONS: [Reason; 4] = [
    Reason { slug: "time_unavailable", label: "The time cannot be offered after all" },
    Reason { slug: "not_taking_clients", label: "Not taking new clients now" },
    Reason { slug: "better_fit_elsewhere", label: "Another professional would suit better" },
    Reason { slug: "other", label: "Another reason" },
];

/// The reason of `list` with this slug.
pub fn find(list: &[Reason], slug: &str) -> Option<Reason> {
    list.iter().find(|reason| reason.slug == slug).copied()
}

/// What a stored reason says, whichever list it came from.
pub fn label_of(slug: &str) -> Option<&'static str> {
    find(&CANCEL_REASONS, slug).or_else(|| find(&DECLINE_REASONS, slug)).map(|reason| reason.label)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn slugs_are_unique_within_a_list_and_labels_read_back() {
        for list in [&CANCEL_REASONS[..], &DECLINE_REASONS[..]] {
            let mut slugs: Vec<&str> = list.iter().map(|r| r.slug).collect();
            slugs.sort_unstable();
            slugs.dedup();
            assert_eq!(slugs.len(), list.len());
        }
        assert_eq!(label_of("client_asked"), Some("The client asked to cancel"));
        assert_eq!(label_of("better_fit_elsewhere"), Some("Another professional would suit better"));
        assert_eq!(label_of("feeling unwell"), None, "free text is never a reason");
        assert_eq!(find(&DECLINE_REASONS, "practice_closed"), None, "each list has its own");
    }
}
