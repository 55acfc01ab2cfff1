//! Field-level validation errors, shown beside the field in forms and returned
//! as `{field, message}` pairs by the API.

/// Messages keyed by the form field they belong to, in the order found.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct FieldErrors(Vec<(&'static str, String)>);

impl FieldErrors {
    pub fn new() -> Self {
        Self::default()
    }

    pub fn add(&mut self, field: &'static str, message: impl Into<String>) {
        self.0.push((field, message.into()));
    }

    /// Runs a parser and records its error under `field`; returns the value when it parsed.
    pub fn check<T, E: std::fmt::Display>(&mut self, field: &'static str, parsed: Result<T, E>) -> Option<T> {
        match parsed {
            Ok(value) => Some(value),
            Err(error) => {
                self.add(field, error.to_string());
                None
            }
        }
    }

    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }

    /// The first message for a field, if any.
    pub fn get(&self, field: &str) -> Option<&str> {
        self.0.iter().find(|(name, _)| *name == field).map(|(_, message)| message.as_str())
    }

    pub fn iter(&self) -> impl Iterator<Item = (&'static str, &str)> {
        self.0.iter().map(|(field, message)| (*field, message.as_str()))
    }
}

/// Counts characters (not bytes) and rejects control characters, which have
/// no place in names and titles and can hide text from reviewers.
pub(crate) fn single_line(value: &str, what: &str, max_chars: usize) -> Result<String, TextError> {
    let trimmed = value.trim();
    if trimmed.is_empty() {
        return Err(TextError(format!("Enter {what}.")));
    }
    if trimmed.chars().count() > max_chars {
        return Err(TextError(format!("Use at most {max_chars} characters for {what}.")));
    }
    if trimmed.chars().any(char::is_control) {
        return Err(TextError(format!("Remove line breaks and control characters from {what}.")));
    }
    Ok(trimmed.to_string())
}

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{0}")]
pub struct TextError(pub String);

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn single_line_trims_and_limits_by_characters() {
        assert_eq!(single_line("  Ada  ", "a name", 5).unwrap(), "Ada");
        assert_eq!(single_line("ééééé", "a name", 5).unwrap(), "ééééé");
        assert_eq!(single_line("éééééé", "a name", 5).unwrap_err().0, "Use at most 5 characters for a name.");
        assert_eq!(single_line("   ", "a name", 5).unwrap_err().0, "Enter a name.");
        assert!(single_line("a\u{0}b", "a name", 5).is_err());
    }

    #[test]
    fn field_errors_keep_order_and_lookup() {
        let mut errors = FieldErrors::new();
        assert!(errors.is_empty());
        errors.add("email", "Enter an email address.");
        let parsed: Option<u8> = errors.check("age", "x".parse::<u8>());
        assert_eq!(parsed, None);
        assert_eq!(errors.get("email"), Some("Enter an email address."));
        assert!(errors.get("age").is_some());
        assert_eq!(errors.iter().map(|(f, _)| f).collect::<Vec<_>>(), ["email", "age"]);
    }
}
