//! QR codes for authenticator setup, as SVG to put straight into a page.
//!
//! Staff scan this code to add Sensate to their authenticator app (TOTP MFA,
//! SECURITY.md item 8); it carries the `otpauth://` URI built by
//! `sensate_domain::totp::otpauth_uri`. The SVG is inlined under a strict CSP,
//! so it must not carry `style` attributes, scripts or external references:
//! `qrcode`'s SVG renderer emits only presentation attributes (`fill=`,
//! `shape-rendering=`) and one `<rect>` plus one `<path>`, which is fine; we
//! drop its XML declaration (not valid inside HTML), add `role="img"` and an
//! `aria-label`, and refuse any output that would break those rules, so a
//! change in the library fails loudly instead of weakening the page.
use std::fmt;

use qrcode::QrCode;
use qrcode::render::svg;

/// What screen readers announce for the code.
pub(crate) const QR_LABEL: &str = "QR code for your authenticator app";

/// Smallest side of the image in pixels, quiet zone included.
const MIN_SIZE_PX: u32 = 200;

#[derive(Debug)]
pub(crate) enum QrError {
    /// The data does not fit in a QR code.
    Encode(qrcode::types::QrError),
    /// The renderer produced something we will not put into a page.
    UnsafeOutput,
}

impl fmt::Display for QrError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            QrError::Encode(error) => write!(f, "could not encode the QR code: {error}"),
            QrError::UnsafeOutput => f.write_str("the QR code renderer produced unsafe SVG"),
        }
    }
}

impl std::error::Error for QrError {}

/// Renders `data` as an inline-safe SVG element: black modules on white, with
/// the standard 4-module quiet zone, at least 200×200 px, `role="img"` and
/// [`QR_LABEL`] as its accessible name.
pub(crate) fn qr_svg(data: &str) -> Result<String, QrError> {
    let code = QrCode::new(data.as_bytes()).map_err(QrError::Encode)?;
    let rendered = code
        .render::<svg::Color<'_>>()
        .quiet_zone(true)
        .min_dimensions(MIN_SIZE_PX, MIN_SIZE_PX)
        .dark_color(svg::Color("#000"))
        .light_color(svg::Color("#fff"))
        .build();
    make_inline(&rendered)
}

/// Turns the renderer's standalone document into an element fit for inlining,
/// or refuses it.
fn make_inline(rendered: &str) -> Result<String, QrError> {
    let start = rendered.find("<svg ").ok_or(QrError::UnsafeOutput)?;
    let element = rendered.get(start..).and_then(|svg| svg.strip_prefix("<svg ")).ok_or(QrError::UnsafeOutput)?;
    if !element.trim_end().ends_with("</svg>") {
        return Err(QrError::UnsafeOutput);
    }
    let lower = element.to_ascii_lowercase();
    let forbidden = ["style", "<script", "href", "<svg", "<?", "<!", "<foreignobject", "url(", " on"];
    if forbidden.iter().any(|needle| lower.contains(needle)) {
        return Err(QrError::UnsafeOutput);
    }
    Ok(format!(r#"<svg role="img" aria-label="{QR_LABEL}" {}"#, element.trim_end()))
}

#[cfg(test)]
mod tests {
    use super::*;
    use qrcode::Color;

    const URI: &str = "otpauth://totp/Sensate:ana%40example.org?secret=GEZDGNBVGY3TQOJQGEZDGNBVGY3TQOJQ&issuer=Sensate&algorithm=SHA1&digits=6&period=30";

    fn attribute<'a>(svg: &'a str, name: &str) -> &'a str {
        let marker = format!(" {name}=\"");
        let start = svg.find(&marker).unwrap() + marker.len();
        let len = svg[start..].find('"').unwrap();
        &svg[start..start + len]
    }

    #[test]
    fn renders_an_inline_safe_svg_element() {
        let svg = qr_svg(URI).unwrap();
        assert!(svg.starts_with("<svg "), "{svg}");
        assert!(svg.ends_with("</svg>"));
        assert!(svg.contains(" viewBox=\"0 0 "));
        assert!(svg.contains(r#" role="img""#));
        assert!(svg.contains(r#" aria-label="QR code for your authenticator app""#));
        assert!(!svg.contains("style="));
        assert!(!svg.contains("<script"));
        assert!(!svg.contains("href"));
        assert!(!svg.contains("<?xml"));
        assert!(svg.contains(r##"fill="#000""##));
        assert!(svg.contains(r##"fill="#fff""##));
        assert_eq!(svg.matches("<svg").count(), 1);
    }

    #[test]
    fn is_at_least_200_pixels_with_a_quiet_zone() {
        let svg = qr_svg(URI).unwrap();
        let width: u32 = attribute(&svg, "width").parse().unwrap();
        let height: u32 = attribute(&svg, "height").parse().unwrap();
        assert!(width >= MIN_SIZE_PX && width == height, "{width}x{height}");
        assert_eq!(attribute(&svg, "viewBox"), format!("0 0 {width} {height}"));
    }

    /// Reads the dark modules back out of the path and compares them with the
    /// code's module matrix: right count, quiet zone, every module in place.
    #[test]
    fn modules_decode_back_to_the_code() {
        let svg = qr_svg(URI).unwrap();
        let code = QrCode::new(URI.as_bytes()).unwrap();
        let modules = code.width();
        let size: usize = attribute(&svg, "width").parse().unwrap();
        let across = modules + 8; // 4-module quiet zone on each side
        assert_eq!(size % across, 0);
        let module_px = size / across;

        let mut dark = vec![false; modules * modules];
        let path = attribute(&svg, "d");
        for segment in path.split('M').filter(|s| !s.is_empty()) {
            let (left, rest) = segment.split_once(' ').unwrap();
            let (top, rest) = rest.split_once('h').unwrap();
            let (w, _) = rest.split_once('v').unwrap();
            let (left, top, w): (usize, usize, usize) =
                (left.parse().unwrap(), top.parse().unwrap(), w.parse().unwrap());
            assert_eq!(w, module_px);
            assert_eq!(left % module_px, 0);
            assert_eq!(top % module_px, 0);
            let (x, y) = (left / module_px, top / module_px);
            assert!((4..4 + modules).contains(&x) && (4..4 + modules).contains(&y));
            dark[(y - 4) * modules + (x - 4)] = true;
        }
        let expected: Vec<bool> = code.to_colors().into_iter().map(|c| c == Color::Dark).collect();
        assert_eq!(dark, expected);
    }

    #[test]
    fn refuses_renderer_output_that_breaks_the_csp() {
        let ok = r##"<?xml version="1.0"?><svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 1 1"><path fill="#000" d="M0 0h1v1H0V0"/></svg>"##;
        assert!(make_inline(ok).is_ok());
        for bad in [
            r#"<svg viewBox="0 0 1 1" style="fill:red"></svg>"#,
            r#"<svg viewBox="0 0 1 1"><script>alert(1)</script></svg>"#,
            r#"<svg viewBox="0 0 1 1"><image href="https://x.test/a.png"/></svg>"#,
            r#"<svg viewBox="0 0 1 1" onload="x()"></svg>"#,
            r#"<svg viewBox="0 0 1 1">"#,
            "no svg here",
        ] {
            assert!(make_inline(bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn data_too_long_is_an_error() {
        let huge = "x".repeat(8000);
        assert!(matches!(qr_svg(&huge), Err(QrError::Encode(_))));
    }
}
