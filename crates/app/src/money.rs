//! Amounts of money as people type and read them (US dollars), stored as
//! whole cents so that no arithmetic is done on floating point.

/// A session fee above this is almost certainly a typing mistake (cents).
const FEE_MAX_CENTS: i64 = 200_000;

/// Dollars as typed ("150", "$150.5", " 99.99 ") → cents; empty → `None`.
/// Anything else is reported on `field` and gives `None`.
pub fn dollars_to_cents(errors: &mut sensate_domain::FieldErrors, field: &'static str, value: &str) -> Option<i64> {
    let value = value.trim().trim_start_matches('$');
    if value.is_empty() {
        return None;
    }
    let (dollars, cents) = value.split_once('.').unwrap_or((value, "0"));
    let digits = |text: &str| !text.is_empty() && text.chars().all(|c| c.is_ascii_digit());
    let parsed = (digits(dollars) && digits(cents) && cents.len() <= 2)
        .then(|| dollars.parse::<i64>().ok().zip(format!("{cents:0<2}").parse::<i64>().ok()))
        .flatten();
    match parsed {
        Some((d, c)) if d <= FEE_MAX_CENTS / 100 => Some(d * 100 + c),
        _ => {
            errors.add(field, "Enter the fee in dollars, for example 150 or 150.00 (at most 2,000).");
            None
        }
    }
}

/// Cents as a form shows them for editing: "150", "99.99".
pub fn cents_as_typed(cents: i64) -> String {
    if cents % 100 == 0 { format!("{}", cents / 100) } else { format!("{}.{:02}", cents / 100, cents % 100) }
}

/// Cents as a page shows them: "$150", "$99.99".
pub fn dollars(cents: i64) -> String {
    format!("${}", cents_as_typed(cents))
}

#[cfg(test)]
mod tests {
    use super::*;
    use sensate_domain::FieldErrors;

    #[test]
    fn fees_are_read_as_dollars() {
        let mut errors = FieldErrors::new();
        assert_eq!(dollars_to_cents(&mut errors, "fee", "150"), Some(15_000));
        assert_eq!(dollars_to_cents(&mut errors, "fee", "$150.5"), Some(15_050));
        assert_eq!(dollars_to_cents(&mut errors, "fee", " 99.99 "), Some(9_999));
        assert_eq!(dollars_to_cents(&mut errors, "fee", "0"), Some(0));
        assert_eq!(dollars_to_cents(&mut errors, "fee", ""), None);
        assert!(errors.is_empty());
        for bad in ["-5", "abc", "1.234", "999999", "1.-5", "+3", "1e3", ".5", "5."] {
            let mut errors = FieldErrors::new();
            assert_eq!(dollars_to_cents(&mut errors, "fee", bad), None, "{bad}");
            assert!(errors.get("fee").is_some(), "{bad}");
        }
    }

    #[test]
    fn cents_read_back_as_typed_and_shown() {
        for typed in ["150", "99.99", "0", "120.50"] {
            let mut errors = FieldErrors::new();
            let cents = dollars_to_cents(&mut errors, "fee", typed).unwrap();
            assert_eq!(cents_as_typed(cents), typed);
        }
        assert_eq!(dollars(18_000), "$180");
        assert_eq!(dollars(9_950), "$99.50");
    }
}
