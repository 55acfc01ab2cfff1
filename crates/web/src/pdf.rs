//! Printable documents as PDF: a heading, paragraphs, labelled fields and
//! small print, laid out on US Letter pages with a footer that numbers them.
//!
//! Signed consents are printed this way today; superbills and letters will
//! be. The file is PDF/A-2u (archival, every character mapped to Unicode so
//! it can be searched and read aloud), with DejaVu Sans embedded and subset
//! by krilla (docs/ARCHITECTURE.md, "Printable documents", says why krilla).
//! Layout is ours and small: `lay_out` breaks text into lines and pages by
//! measuring each word with the font's own advance widths, and is tested
//! apart from drawing.
use std::fmt;
use std::num::NonZeroU16;

use jiff::Timestamp;
use krilla::Document;
use krilla::color::rgb;
use krilla::configure::{Accessibility, Archival, ConfigurationBuilder};
use krilla::destination::XyzDestination;
use krilla::geom::Point;
use krilla::metadata::{DateTime, Metadata};
use krilla::outline::{Outline, OutlineNode};
use krilla::page::PageSettings;
use krilla::paint::Fill;
use krilla::tagging::{Artifact, ArtifactType, ContentTag, Identifier, SpanTag, Tag, TagGroup, TagKind, TagTree};
use krilla::text::{Font, TextDirection};
use skrifa::instance::{LocationRef, Size};
use skrifa::{FontRef, MetadataProvider};

const REGULAR: &[u8] = include_bytes!("../assets/fonts/DejaVuSans.ttf");
const BOLD: &[u8] = include_bytes!("../assets/fonts/DejaVuSans-Bold.ttf");

/// US Letter, in points.
const PAGE_WIDTH: f32 = 612.0;
const PAGE_HEIGHT: f32 = 792.0;
/// One inch on every side; the footer sits inside the bottom margin.
const MARGIN: f32 = 72.0;
const MEASURE: f32 = PAGE_WIDTH - 2.0 * MARGIN;
const FOOTER_BASELINE: f32 = PAGE_HEIGHT - 40.0;

/// A piece of a printable document, in reading order.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum Block {
    /// The document's title.
    Title(String),
    /// A section heading.
    Heading(String),
    /// Running text; a line break inside it is kept.
    Paragraph(String),
    /// A label and its value, as in a definition list.
    Field(String, String),
    /// Small print.
    Note(String),
}

/// A document to print.
#[derive(Debug, Clone)]
pub(crate) struct Printable {
    /// The file's title in its properties, which a PDF reader shows in its
    /// title bar: neutral, like a page title.
    pub title: String,
    /// Printed at the foot of every page, before the page number.
    pub footer: String,
    pub blocks: Vec<Block>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Style {
    Title,
    Heading,
    Label,
    Body,
    Small,
}

impl Style {
    fn size(self) -> f32 {
        match self {
            Style::Title => 18.0,
            Style::Heading => 13.0,
            Style::Label => 9.0,
            Style::Body => 10.5,
            Style::Small => 8.5,
        }
    }

    /// Its element in the reading structure that screen readers follow.
    /// `text` is the whole run, which headings carry as their title.
    fn tag(self, text: &str) -> TagKind {
        match self {
            Style::Title => Tag::Hn(NonZeroU16::MIN, Some(text.to_string())).into(),
            Style::Heading => Tag::Hn(NonZeroU16::MIN.saturating_add(1), Some(text.to_string())).into(),
            Style::Label | Style::Body | Style::Small => Tag::P.into(),
        }
    }

    fn bold(self) -> bool {
        matches!(self, Style::Title | Style::Heading | Style::Label)
    }

    /// Distance from one baseline to the next.
    fn leading(self) -> f32 {
        self.size() * 1.45
    }

    /// Space above a block in this style (none at the top of a page).
    fn space_before(self) -> f32 {
        match self {
            Style::Title => 0.0,
            Style::Heading => 16.0,
            Style::Label => 7.0,
            Style::Body | Style::Small => 6.0,
        }
    }
}

/// One line of text at its place on a page.
#[derive(Debug, Clone, PartialEq)]
struct Line {
    /// The run of text it belongs to (a block, or a field's label or
    /// value), which becomes one element of the reading structure.
    run: usize,
    style: Style,
    text: String,
    /// Baseline, from the top of the page.
    baseline: f32,
}

/// Widths of text in each style, from the fonts' advance widths.
struct Measure<'a> {
    regular: FontRef<'a>,
    bold: FontRef<'a>,
}

impl Measure<'static> {
    fn new() -> Result<Self, PdfError> {
        Ok(Measure {
            regular: FontRef::new(REGULAR).map_err(|_| PdfError::Font)?,
            bold: FontRef::new(BOLD).map_err(|_| PdfError::Font)?,
        })
    }
}

/// What a character neither font can draw prints as. PDF/A and PDF/UA
/// refuse text drawn with a missing glyph, so such a character is replaced
/// before layout and the document says so.
const STAND_IN: char = '\u{25A1}';

impl Measure<'_> {
    /// Whether both fonts draw `c` (spaces and line breaks are layout's).
    fn covers(&self, c: char) -> bool {
        c.is_whitespace()
            || [&self.regular, &self.bold].iter().all(|font| font.charmap().map(c).is_some_and(|g| g.to_u32() != 0))
    }

    /// `text` with every character the fonts lack replaced by [`STAND_IN`];
    /// true when one was.
    fn printable(&self, text: &str) -> (String, bool) {
        let mut replaced = false;
        let out = text
            .chars()
            .map(|c| {
                if self.covers(c) {
                    c
                } else {
                    replaced = true;
                    STAND_IN
                }
            })
            .collect();
        (out, replaced)
    }

    /// The document with only characters the fonts draw, and a note at its
    /// end when any had to be replaced.
    fn printable_document(&self, document: &Printable) -> Printable {
        let mut any = false;
        let mut fix = |text: &str| {
            let (out, replaced) = self.printable(text);
            any |= replaced;
            out
        };
        let blocks: Vec<Block> = document
            .blocks
            .iter()
            .map(|block| match block {
                Block::Title(t) => Block::Title(fix(t)),
                Block::Heading(t) => Block::Heading(fix(t)),
                Block::Paragraph(t) => Block::Paragraph(fix(t)),
                Block::Field(label, value) => Block::Field(fix(label), fix(value)),
                Block::Note(t) => Block::Note(fix(t)),
            })
            .collect();
        let title = fix(&document.title);
        let footer = fix(&document.footer);
        let mut blocks = blocks;
        if any {
            blocks.push(Block::Note(format!(
                "Characters this document's font cannot show are printed as {STAND_IN}. The copy in Sensate shows every character."
            )));
        }
        Printable { title, footer, blocks }
    }

    fn width(&self, style: Style, text: &str) -> f32 {
        let font = if style.bold() { &self.bold } else { &self.regular };
        let charmap = font.charmap();
        let metrics = font.glyph_metrics(Size::new(style.size()), LocationRef::default());
        text.chars().map(|c| metrics.advance_width(charmap.map(c).unwrap_or_default()).unwrap_or_default()).sum()
    }
}

/// Breaks `text` into lines no wider than `width`: at spaces, and inside a
/// word only when the word alone is wider than a line (a fingerprint, an
/// address). Line breaks in the text are kept; blank lines are dropped.
fn wrap(text: &str, width: f32, fits: &dyn Fn(&str) -> f32) -> Vec<String> {
    let mut lines = Vec::new();
    for hard_line in text.lines() {
        let mut current = String::new();
        for word in hard_line.split_whitespace() {
            let candidate = if current.is_empty() { word.to_string() } else { format!("{current} {word}") };
            if fits(&candidate) <= width {
                current = candidate;
                continue;
            }
            if !current.is_empty() {
                lines.push(std::mem::take(&mut current));
            }
            // The word starts a line; split it where it overflows.
            for c in word.chars() {
                let mut longer = current.clone();
                longer.push(c);
                if fits(&longer) > width && !current.is_empty() {
                    lines.push(std::mem::take(&mut current));
                    longer = c.to_string();
                }
                current = longer;
            }
        }
        if !current.is_empty() {
            lines.push(current);
        }
    }
    lines
}

/// Places every block's lines on pages, top to bottom, starting a new page
/// where the next line would run into the bottom margin. A label is never
/// left alone at the foot of a page: it moves with its value's first line.
fn lay_out(blocks: &[Block], width_of: &dyn Fn(Style, &str) -> f32) -> Vec<Vec<Line>> {
    let bottom = PAGE_HEIGHT - MARGIN;
    let mut pages: Vec<Vec<Line>> = vec![Vec::new()];
    let mut y = MARGIN;
    let runs = blocks.iter().flat_map(|block| match block {
        Block::Title(text) => vec![(Style::Title, text.as_str(), false)],
        Block::Heading(text) => vec![(Style::Heading, text.as_str(), false)],
        Block::Paragraph(text) => vec![(Style::Body, text.as_str(), false)],
        Block::Field(label, value) => vec![(Style::Label, label.as_str(), true), (Style::Body, value.as_str(), false)],
        Block::Note(text) => vec![(Style::Small, text.as_str(), false)],
    });
    let mut keep_with_next = false;
    for (run, (style, text, keep)) in runs.enumerate() {
        let lines = wrap(text, MEASURE, &|t| width_of(style, t));
        let on_page = pages.last().is_some_and(|p| !p.is_empty());
        let before = if on_page && !keep_with_next { style.space_before() } else { 0.0 };
        // What must fit before the first line is placed: this run's first
        // line, and for a label the first line of its value too.
        let needed = before + style.leading() + if keep { Style::Body.leading() } else { 0.0 };
        if on_page && y + needed > bottom && !keep_with_next {
            pages.push(Vec::new());
            y = MARGIN;
        } else {
            y += before;
        }
        for text in lines {
            if y + style.leading() > bottom {
                pages.push(Vec::new());
                y = MARGIN;
            }
            y += style.leading();
            if let Some(page) = pages.last_mut() {
                page.push(Line { run, style, text, baseline: y - style.leading() * 0.3 });
            }
        }
        keep_with_next = keep;
    }
    pages
}

/// A run of text as drawn: its style, its words, where it starts (page and
/// top), and the marked spans of its lines.
struct Run {
    style: Style,
    text: String,
    starts: (usize, f32),
    spans: Vec<Identifier>,
}

impl Default for Run {
    fn default() -> Self {
        Run { style: Style::Body, text: String::new(), starts: (0, MARGIN), spans: Vec::new() }
    }
}

#[derive(Debug)]
pub(crate) enum PdfError {
    /// A bundled font could not be read.
    Font,
    /// krilla refused to write the file (a PDF/A or PDF/UA rule, say). Its
    /// own report may quote the document's text, so none of it is kept.
    Write,
}

impl fmt::Display for PdfError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            PdfError::Font => write!(f, "a bundled font could not be read"),
            PdfError::Write => write!(f, "the PDF could not be written within the PDF/A and PDF/UA rules"),
        }
    }
}

impl std::error::Error for PdfError {}

/// Writes `document` as a PDF/A-2u file, stamped as created at `now`.
pub(crate) fn render(document: &Printable, now: Timestamp) -> Result<Vec<u8>, PdfError> {
    let measure = Measure::new()?;
    let document = &measure.printable_document(document);
    let pages = lay_out(&document.blocks, &|style, text| measure.width(style, text));
    let regular = Font::new(REGULAR.into(), 0).ok_or(PdfError::Font)?;
    let bold = Font::new(BOLD.into(), 0).ok_or(PdfError::Font)?;

    let configuration = ConfigurationBuilder::new()
        .with_archival_validator(Archival::A2_U)
        .with_accessibility_validator(Accessibility::UA1)
        .finish()
        .map_err(|_| PdfError::Write)?;
    let settings = krilla::SerializeSettings { configuration, ..Default::default() };
    let mut pdf = Document::new_with(settings);
    let utc = now.to_zoned(jiff::tz::TimeZone::UTC);
    let created = DateTime::new(u16::try_from(utc.year()).unwrap_or_default())
        .month(u8::try_from(utc.month()).unwrap_or(1))
        .day(u8::try_from(utc.day()).unwrap_or(1))
        .hour(u8::try_from(utc.hour()).unwrap_or_default())
        .minute(u8::try_from(utc.minute()).unwrap_or_default())
        .second(u8::try_from(utc.second()).unwrap_or_default())
        .utc_offset_hour(0)
        .utc_offset_minute(0);
    pdf.set_metadata(Metadata::new().title(document.title.clone()).language("en".to_string()).creation_date(created));

    let count = pages.len();
    // Each run of text is one element (heading, paragraph); each of its
    // lines a marked span inside it, whichever page it is on.
    let mut runs: Vec<Run> = Vec::new();
    let grey = Fill { paint: rgb::Color::new(90, 90, 90).into(), ..Fill::default() };
    for (number, lines) in pages.iter().enumerate() {
        let settings = PageSettings::from_wh(PAGE_WIDTH, PAGE_HEIGHT).ok_or(PdfError::Font)?;
        let mut page = pdf.start_page_with(settings);
        let mut surface = page.surface();
        for line in lines {
            let font = if line.style.bold() { bold.clone() } else { regular.clone() };
            surface.set_fill(Some(if line.style == Style::Small { grey.clone() } else { Fill::default() }));
            let id = surface.start_tagged(ContentTag::Span(SpanTag::empty()));
            surface.draw_text(
                Point::from_xy(MARGIN, line.baseline),
                font,
                line.style.size(),
                &line.text,
                false,
                TextDirection::Auto,
            );
            surface.end_tagged();
            if runs.len() <= line.run {
                runs.resize_with(line.run + 1, Run::default);
            }
            if let Some(run) = runs.get_mut(line.run) {
                if run.spans.is_empty() {
                    run.style = line.style;
                    run.starts = (number, line.baseline - line.style.size());
                } else {
                    run.text.push(' ');
                }
                run.text.push_str(&line.text);
                run.spans.push(id);
            }
        }
        surface.set_fill(Some(grey.clone()));
        let footer = format!("{} · Page {} of {count}", document.footer, number + 1);
        surface.start_tagged(ContentTag::Artifact(Artifact::with_kind(ArtifactType::Footer)));
        surface.draw_text(
            Point::from_xy(MARGIN, FOOTER_BASELINE),
            regular.clone(),
            Style::Small.size(),
            &footer,
            false,
            TextDirection::Auto,
        );
        surface.end_tagged();
        surface.finish();
        page.finish();
    }
    let mut tree = TagTree::new().with_lang(Some("en".to_string()));
    // Bookmarks: the title, with the headings under it.
    let mut outline = Outline::new();
    let mut title: Option<OutlineNode> = None;
    for run in runs.into_iter().filter(|run| !run.spans.is_empty()) {
        let (page, top) = run.starts;
        let node = OutlineNode::new(run.text.clone(), XyzDestination::new(page, Point::from_xy(MARGIN, top)));
        match (run.style, title.as_mut()) {
            (Style::Title, _) => {
                if let Some(done) = title.replace(node) {
                    outline.push_child(done);
                }
            }
            (Style::Heading, Some(parent)) => parent.push_child(node),
            (Style::Heading, None) => outline.push_child(node),
            _ => {}
        }
        let mut group = TagGroup::new(run.style.tag(&run.text));
        for id in run.spans {
            group.push(id);
        }
        tree.push(group);
    }
    if let Some(done) = title {
        outline.push_child(done);
    }
    pdf.set_outline(outline);
    pdf.set_tag_tree(tree);
    pdf.finish().map_err(|_| PdfError::Write)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn measure() -> Measure<'static> {
        Measure::new().unwrap()
    }

    fn words(text: &str) -> Vec<String> {
        text.split_whitespace().map(str::to_string).collect()
    }

    #[test]
    fn wrapping_keeps_every_word_in_order_and_within_the_measure() {
        let m = measure();
        let text = "Sessions are conversations. ".repeat(40) + "\nA new line stays a new line.";
        let lines = wrap(&text, MEASURE, &|t| m.width(Style::Body, t));
        assert!(lines.len() > 5, "{lines:?}");
        for line in &lines {
            assert!(m.width(Style::Body, line) <= MEASURE, "too wide: {line}");
        }
        assert_eq!(words(&lines.join(" ")), words(&text));
        assert_eq!(lines.last().map(String::as_str), Some("A new line stays a new line."));
    }

    #[test]
    fn a_word_wider_than_a_line_is_split_without_losing_a_character() {
        let m = measure();
        let fingerprint = "0123456789abcdef".repeat(8);
        let lines = wrap(&fingerprint, MEASURE, &|t| m.width(Style::Body, t));
        assert_eq!(lines.len(), 2, "{lines:?}");
        assert_eq!(lines.concat(), fingerprint);
        assert!(lines.iter().all(|l| m.width(Style::Body, l) <= MEASURE));
    }

    #[test]
    fn long_documents_flow_onto_numbered_pages_inside_the_margins() {
        let m = measure();
        let mut blocks = vec![Block::Title("Consent to sex therapy".into())];
        for n in 0..60 {
            blocks.push(Block::Paragraph(format!("Paragraph {n}. {}", "Talk therapy only. ".repeat(12))));
        }
        blocks.push(Block::Field("Signed by".into(), "Jordan Avery".into()));
        let pages = lay_out(&blocks, &|style, text| m.width(style, text));
        assert!(pages.len() >= 3, "{} pages", pages.len());
        for page in &pages {
            assert!(!page.is_empty());
            for line in page {
                assert!(line.baseline > MARGIN && line.baseline <= PAGE_HEIGHT - MARGIN, "{line:?}");
            }
            let baselines: Vec<f32> = page.iter().map(|l| l.baseline).collect();
            assert!(baselines.windows(2).all(|w| w[0] < w[1]), "lines overlap: {baselines:?}");
        }
        let all: Vec<&Line> = pages.iter().flatten().collect();
        assert_eq!(all.first().map(|l| l.text.as_str()), Some("Consent to sex therapy"));
        assert_eq!(all.last().map(|l| l.text.as_str()), Some("Jordan Avery"));
        let printed: String = all.iter().map(|l| l.text.as_str()).collect::<Vec<_>>().join(" ");
        assert!(printed.contains("Paragraph 59."));
    }

    #[test]
    fn a_label_moves_to_the_next_page_with_its_value() {
        let m = measure();
        // Fill the first page to just above the bottom, then add a field.
        let mut blocks = Vec::new();
        let mut pages = vec![];
        for n in 0..200 {
            blocks.push(Block::Note(format!("Line {n}")));
            let mut with_field = blocks.clone();
            with_field.push(Block::Field("Signed by".into(), "Jordan Avery".into()));
            pages = lay_out(&with_field, &|style, text| m.width(style, text));
            if pages.len() == 2 && pages[1].len() <= 2 {
                break;
            }
        }
        assert_eq!(pages.len(), 2);
        let last_on_first = pages[0].last().map(|l| l.style);
        assert_ne!(last_on_first, Some(Style::Label), "a label ended the page");
        let second: Vec<&str> = pages[1].iter().map(|l| l.text.as_str()).collect();
        assert_eq!(second, vec!["Signed by", "Jordan Avery"]);
    }

    #[test]
    fn characters_the_font_lacks_print_as_a_stand_in_and_are_named() {
        let document = Printable {
            title: "Signed document".into(),
            footer: "Signed document".into(),
            blocks: vec![Block::Field("Signed by".into(), "王小明 🙂 Zoë".into())],
        };
        let m = measure();
        let printed = m.printable_document(&document);
        assert_eq!(printed.blocks[0], Block::Field("Signed by".into(), "\u{25A1}\u{25A1}\u{25A1} \u{25A1} Zoë".into()));
        assert!(matches!(&printed.blocks[1], Block::Note(note) if note.contains("printed as \u{25A1}")));
        assert!(
            m.printable_document(&Printable {
                blocks: vec![Block::Note("Zoë Ольга".into())], ..document.clone()
            })
            .blocks
            .len()
                == 1,
            "nothing to say when all print"
        );
        let bytes = render(&document, Timestamp::from_second(1_796_000_000).unwrap()).unwrap();
        assert!(bytes.starts_with(b"%PDF-"), "a name in any script still prints");
    }

    #[test]
    fn renders_an_archival_pdf_with_a_neutral_title() {
        let document = Printable {
            title: "Signed document".into(),
            footer: "Fingerprint 1a2b3c4d".into(),
            blocks: vec![
                Block::Title("Consent to sex therapy".into()),
                Block::Paragraph("Talk therapy only.\nNobody undresses.".into()),
                Block::Heading("Signature".into()),
                Block::Field("Signed by".into(), "Zoë Łukasiewicz-Ольга".into()),
                Block::Note("Typed name and a confirmed statement of intent.".into()),
            ],
        };
        let bytes = render(&document, Timestamp::from_second(1_796_000_000).unwrap()).unwrap();
        assert!(bytes.starts_with(b"%PDF-1.7"), "{:?}", &bytes[..8]);
        let text = String::from_utf8_lossy(&bytes);
        assert!(text.contains("pdfaid:part"), "no PDF/A identification");
        // The file's title, which a reader shows in its title bar, is the
        // neutral one; the document's own heading is a bookmark inside.
        let properties = text.split("<dc:title>").nth(1).and_then(|t| t.split("</dc:title>").next()).unwrap();
        assert!(properties.contains("Signed document") && !properties.contains("therapy"), "{properties}");
        assert!(text.contains("/Outlines"), "no bookmarks");
        assert!(!text.contains("Sensate"), "the file's properties name no service");
        assert!(text.contains("/ToUnicode"), "text is not mapped to Unicode");
        assert!(text.contains("pdfuaid:part"), "not identified as accessible (PDF/UA)");
        assert!(text.contains("/StructTreeRoot"), "no reading structure");
        assert!(bytes.len() < 120_000, "fonts were not subset: {} bytes", bytes.len());
    }
}
