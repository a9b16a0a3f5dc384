//! The agreement as a PDF with Chinese text: lines of text laid out on A4 pages in one CJK
//! TrueType font found on the machine at run time (never shipped with guagou), subset to the
//! glyphs used and embedded as a CID font (Identity-H) with a ToUnicode map, so the text can be
//! searched and copied.
//!
//! Font lookup: `GUAGOU_CJK_FONT` (a .ttf/.ttc path), then the Debian paths of WenQuanYi
//! Micro Hei / Zen Hei, Droid Sans Fallback and AR PL, then `fc-list :lang=zh`. Only fonts with
//! TrueType outlines (`glyf`) are used. No font: `FontMissing`, answered as 503
//! `cjk_font_missing` by the caller.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use pdf_writer::types::{CidFontType, FontFlags, SystemInfo, UnicodeCmap};
use pdf_writer::{Content, Finish, Name, Pdf, Rect, Ref, Str};

/// Debian font paths tried before asking fontconfig.
const KNOWN_FONTS: &[&str] = &[
    "/usr/share/fonts/truetype/wqy/wqy-microhei.ttc",
    "/usr/share/fonts/truetype/wqy/wqy-zenhei.ttc",
    "/usr/share/fonts/truetype/droid/DroidSansFallbackFull.ttf",
    "/usr/share/fonts/truetype/arphic/uming.ttc",
    "/usr/share/fonts/truetype/arphic/ukai.ttc",
];

/// A character every usable font must have (协 of 协议).
const PROBE: char = '协';

#[derive(Debug, thiserror::Error)]
pub enum PdfError {
    #[error("no CJK TrueType font found")]
    FontMissing,
    #[error("font {0}: {1}")]
    Font(String, String),
}

/// A CJK font on this machine: its file and the face index within a collection.
#[derive(Debug, Clone)]
pub struct CjkFont {
    pub path: PathBuf,
    pub index: u32,
    data: Vec<u8>,
}

impl CjkFont {
    /// Finds a usable CJK font, or `None`.
    pub fn find() -> Option<CjkFont> {
        let mut candidates: Vec<PathBuf> = Vec::new();
        if let Some(path) = std::env::var_os("GUAGOU_CJK_FONT") {
            candidates.push(PathBuf::from(path));
        }
        candidates.extend(KNOWN_FONTS.iter().map(PathBuf::from));
        candidates.extend(fc_list_zh());
        candidates.iter().find_map(|p| CjkFont::load(p))
    }

    /// Loads `path` if one of its faces has TrueType outlines and Chinese glyphs.
    pub fn load(path: &Path) -> Option<CjkFont> {
        let data = std::fs::read(path).ok()?;
        let faces = ttf_parser::fonts_in_collection(&data).unwrap_or(1);
        let index = (0..faces).find(|&i| {
            ttf_parser::Face::parse(&data, i)
                .is_ok_and(|face| face.tables().glyf.is_some() && face.glyph_index(PROBE).is_some())
        })?;
        Some(CjkFont {
            path: path.to_path_buf(),
            index,
            data,
        })
    }
}

/// Font files fontconfig knows for Chinese (empty when fc-list is missing).
fn fc_list_zh() -> Vec<PathBuf> {
    let Ok(output) = std::process::Command::new("fc-list")
        .args([":lang=zh", "file"])
        .output()
    else {
        return Vec::new();
    };
    String::from_utf8_lossy(&output.stdout)
        .lines()
        .map(|l| l.trim().trim_end_matches(':').trim())
        .filter(|l| l.ends_with(".ttf") || l.ends_with(".ttc"))
        .map(PathBuf::from)
        .collect()
}

/// One line of the document.
#[derive(Debug, Clone)]
pub struct Line {
    pub text: String,
    pub size: f32,
    /// Extra space above the line, in points.
    pub gap: f32,
}

impl Line {
    pub fn title(text: impl Into<String>) -> Line {
        Line {
            text: text.into(),
            size: 18.0,
            gap: 0.0,
        }
    }
    pub fn heading(text: impl Into<String>) -> Line {
        Line {
            text: text.into(),
            size: 13.0,
            gap: 10.0,
        }
    }
    pub fn body(text: impl Into<String>) -> Line {
        Line {
            text: text.into(),
            size: 10.5,
            gap: 0.0,
        }
    }
    pub fn small(text: impl Into<String>) -> Line {
        Line {
            text: text.into(),
            size: 8.5,
            gap: 0.0,
        }
    }
}

const PAGE_WIDTH: f32 = 595.0;
const PAGE_HEIGHT: f32 = 842.0;
const MARGIN: f32 = 56.0;
const FONT_NAME: Name<'static> = Name(b"F1");

/// Glyph metrics of the font, in its units.
struct Metrics<'a> {
    face: ttf_parser::Face<'a>,
    per_em: f32,
}

impl Metrics<'_> {
    fn glyph(&self, c: char) -> u16 {
        self.face.glyph_index(c).map(|g| g.0).unwrap_or(0)
    }
    fn advance(&self, glyph: u16) -> f32 {
        f32::from(
            self.face
                .glyph_hor_advance(ttf_parser::GlyphId(glyph))
                .unwrap_or(0),
        )
    }
    /// Width of `c` at `size` points.
    fn width(&self, c: char, size: f32) -> f32 {
        self.advance(self.glyph(c)) * size / self.per_em
    }
    fn to_pdf_units(&self, v: f32) -> f32 {
        v * 1000.0 / self.per_em
    }
}

/// Breaks lines wider than the text area, by the rules of `linebreak` (禁则; words whole).
fn wrap(metrics: &Metrics<'_>, lines: &[Line]) -> Vec<Line> {
    let width = PAGE_WIDTH - 2.0 * MARGIN;
    let mut out = Vec::new();
    for line in lines {
        let broken =
            super::linebreak::break_lines(&line.text, width, |c| metrics.width(c, line.size));
        for (i, text) in broken.into_iter().enumerate() {
            out.push(Line {
                text,
                gap: if i == 0 { line.gap } else { 0.0 },
                ..*line
            });
        }
    }
    out
}

/// A PostScript-safe font name for `/BaseFont`.
fn postscript_name(face: &ttf_parser::Face<'_>) -> String {
    let name = face
        .names()
        .into_iter()
        .filter(|n| n.name_id == ttf_parser::name_id::POST_SCRIPT_NAME)
        .find_map(|n| n.to_string())
        .unwrap_or_else(|| "CJKFont".to_owned());
    let clean: String = name
        .chars()
        .filter(|c| c.is_ascii_alphanumeric() || *c == '-')
        .collect();
    if clean.is_empty() {
        "CJKFont".to_owned()
    } else {
        clean
    }
}

/// Lays `lines` out on A4 pages and returns the PDF.
pub fn render(font: &CjkFont, title: &str, lines: &[Line]) -> Result<Vec<u8>, PdfError> {
    let face = ttf_parser::Face::parse(&font.data, font.index)
        .map_err(|e| PdfError::Font(font.path.display().to_string(), e.to_string()))?;
    let metrics = Metrics {
        per_em: f32::from(face.units_per_em().max(1)),
        face,
    };
    let lines = wrap(&metrics, lines);

    // The glyphs used, renumbered for the subset (the subset's glyph ids are the CIDs).
    let mut remapper = subsetter::GlyphRemapper::new();
    let mut to_unicode: BTreeMap<u16, char> = BTreeMap::new();
    for c in lines.iter().flat_map(|l| l.text.chars()) {
        let new = remapper.remap(metrics.glyph(c));
        to_unicode.entry(new).or_insert(c);
    }
    let subset = subsetter::subset(&font.data, font.index, &remapper)
        .map_err(|e| PdfError::Font(font.path.display().to_string(), format!("{e:?}")))?;

    let mut next = 1;
    let mut alloc = || {
        let r = Ref::new(next);
        next += 1;
        r
    };
    let catalog_id = alloc();
    let pages_id = alloc();
    let type0_id = alloc();
    let cid_id = alloc();
    let descriptor_id = alloc();
    let file_id = alloc();
    let cmap_id = alloc();
    let info_id = alloc();

    let mut pdf = Pdf::new();
    pdf.catalog(catalog_id).pages(pages_id);
    let mut info = pdf.document_info(info_id);
    info.title(pdf_writer::TextStr(title));
    info.producer(pdf_writer::TextStr("guagou"));
    info.finish();

    // Pages: fill top to bottom, a new page when the next line does not fit.
    let mut page_contents: Vec<Content> = Vec::new();
    let mut content = Content::new();
    let mut y = PAGE_HEIGHT - MARGIN;
    for line in &lines {
        let height = line.size * 1.6 + line.gap;
        if y - height < MARGIN {
            page_contents.push(std::mem::replace(&mut content, Content::new()));
            y = PAGE_HEIGHT - MARGIN;
        }
        y -= height;
        let mut encoded = Vec::with_capacity(line.text.len() * 2);
        for c in line.text.chars() {
            let cid = remapper.get(metrics.glyph(c)).unwrap_or(0);
            encoded.extend_from_slice(&cid.to_be_bytes());
        }
        content.begin_text();
        content.set_font(FONT_NAME, line.size);
        content.next_line(MARGIN, y);
        content.show(Str(&encoded));
        content.end_text();
    }
    page_contents.push(content);

    let mut page_ids = Vec::new();
    for content in page_contents {
        let page_id = alloc();
        let content_id = alloc();
        page_ids.push(page_id);
        let mut page = pdf.page(page_id);
        page.media_box(Rect::new(0.0, 0.0, PAGE_WIDTH, PAGE_HEIGHT));
        page.parent(pages_id);
        page.contents(content_id);
        page.resources().fonts().pair(FONT_NAME, type0_id);
        page.finish();
        pdf.stream(content_id, &content.finish());
    }
    let count = i32::try_from(page_ids.len()).unwrap_or(i32::MAX);
    pdf.pages(pages_id).kids(page_ids).count(count);

    // The font: Type0 → CIDFontType2 → descriptor → FontFile2 (the subset), plus ToUnicode.
    let base = format!("GGSUBS+{}", postscript_name(&metrics.face));
    let system_info = SystemInfo {
        registry: Str(b"Adobe"),
        ordering: Str(b"Identity"),
        supplement: 0,
    };
    pdf.type0_font(type0_id)
        .base_font(Name(base.as_bytes()))
        .encoding_predefined(Name(b"Identity-H"))
        .descendant_font(cid_id)
        .to_unicode(cmap_id);
    let mut cid = pdf.cid_font(cid_id);
    cid.subtype(CidFontType::Type2)
        .base_font(Name(base.as_bytes()))
        .system_info(system_info)
        .font_descriptor(descriptor_id)
        .default_width(1000.0)
        .cid_to_gid_map_predefined(Name(b"Identity"));
    // Widths of the subset's glyphs in their new order (CID 0, 1, …).
    let widths: Vec<f32> = remapper
        .remapped_gids()
        .map(|old| metrics.to_pdf_units(metrics.advance(old)))
        .collect();
    cid.widths().consecutive(0, widths);
    cid.finish();

    let bbox = metrics.face.global_bounding_box();
    let scale = |v: i16| metrics.to_pdf_units(f32::from(v));
    pdf.font_descriptor(descriptor_id)
        .name(Name(base.as_bytes()))
        .flags(FontFlags::SYMBOLIC)
        .bbox(Rect::new(
            scale(bbox.x_min),
            scale(bbox.y_min),
            scale(bbox.x_max),
            scale(bbox.y_max),
        ))
        .italic_angle(0.0)
        .ascent(scale(metrics.face.ascender()))
        .descent(scale(metrics.face.descender()))
        .cap_height(scale(
            metrics
                .face
                .capital_height()
                .unwrap_or(metrics.face.ascender()),
        ))
        .stem_v(80.0)
        .font_file2(file_id);
    let length = i32::try_from(subset.len()).unwrap_or(i32::MAX);
    pdf.stream(file_id, &subset).pair(Name(b"Length1"), length);

    let mut cmap = UnicodeCmap::new(Name(b"Custom"), system_info);
    for (glyph, c) in &to_unicode {
        cmap.pair(*glyph, *c);
    }
    pdf.cmap(cmap_id, &cmap.finish());

    Ok(pdf.finish())
}
