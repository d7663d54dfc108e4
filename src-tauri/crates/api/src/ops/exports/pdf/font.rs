//! The PDF's two faces, DejaVu Sans and DejaVu Sans Bold (their licence is
//! `api/fonts/LICENSE`), built into the binary and embedded in each PDF cut
//! down to the glyphs it shows: Latin with every accent and macron, Greek,
//! Cyrillic and the usual symbols print as typed. A character neither face
//! has (Japanese, an emoji) is the caller's to replace.
//!
//! Widths come from the fonts' own metrics (`hmtx`), in font units; the
//! layout turns them into thousandths of a point with integers.

use std::collections::BTreeMap;
use std::sync::OnceLock;

use subsetter::GlyphRemapper;

static REGULAR_TTF: &[u8] = include_bytes!("../../../../fonts/DejaVuSans.ttf");
static BOLD_TTF: &[u8] = include_bytes!("../../../../fonts/DejaVuSans-Bold.ttf");

/// One face, parsed once.
pub(super) struct Font {
    data: &'static [u8],
    face: ttf_parser::Face<'static>,
    /// Its PostScript name.
    pub name: &'static str,
    /// Font units per em.
    pub upem: i64,
}

impl std::fmt::Debug for Font {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Font").field("name", &self.name).finish()
    }
}

fn parse(data: &'static [u8], name: &'static str) -> Option<Font> {
    let face = ttf_parser::Face::parse(data, 0).ok()?;
    let upem = i64::from(face.units_per_em());
    Some(Font {
        data,
        face,
        name,
        upem,
    })
}

static REGULAR: OnceLock<Option<Font>> = OnceLock::new();
static BOLD: OnceLock<Option<Font>> = OnceLock::new();

/// The regular face; `None` only if the font built in cannot be read (a
/// test reads both, so a release never ships one that cannot).
pub(super) fn regular() -> Option<&'static Font> {
    REGULAR
        .get_or_init(|| parse(REGULAR_TTF, "DejaVuSans"))
        .as_ref()
}

/// The bold face (see [`regular`]).
pub(super) fn bold() -> Option<&'static Font> {
    BOLD.get_or_init(|| parse(BOLD_TTF, "DejaVuSans-Bold"))
        .as_ref()
}

/// A font's figures for the PDF's font descriptor, in thousandths of an em.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) struct Metrics {
    pub ascent: i64,
    pub descent: i64,
    pub cap_height: i64,
    pub bbox: [i64; 4],
}

impl Font {
    /// The glyph for `c`, if the face has one.
    pub fn glyph(&self, c: char) -> Option<u16> {
        self.face.glyph_index(c).map(|g| g.0).filter(|&g| g != 0)
    }

    /// How far `c` advances the pen, in font units (0 for a character the
    /// face lacks).
    pub fn advance(&self, c: char) -> i64 {
        self.glyph(c).map_or(0, |g| self.glyph_advance(g))
    }

    fn glyph_advance(&self, glyph: u16) -> i64 {
        self.face
            .glyph_hor_advance(ttf_parser::GlyphId(glyph))
            .map_or(0, i64::from)
    }

    /// `units` of this font in thousandths of an em.
    fn per_mille(&self, units: i64) -> i64 {
        units * 1000 / self.upem.max(1)
    }

    pub fn metrics(&self) -> Metrics {
        let b = self.face.global_bounding_box();
        Metrics {
            ascent: self.per_mille(i64::from(self.face.ascender())),
            descent: self.per_mille(i64::from(self.face.descender())),
            cap_height: self.per_mille(i64::from(
                self.face.capital_height().unwrap_or(self.face.ascender()),
            )),
            bbox: [b.x_min, b.y_min, b.x_max, b.y_max].map(|v| self.per_mille(i64::from(v))),
        }
    }

    /// The face cut down to `used` (glyph → the character it shows): the
    /// file to embed, and each glyph's new id, width (thousandths of an em)
    /// and character, by new id. The whole face when it cannot be cut.
    pub fn subset(&self, used: &BTreeMap<u16, char>) -> Subset {
        let mut remapper = GlyphRemapper::new();
        for &g in used.keys() {
            remapper.remap(g);
        }
        let cut = subsetter::subset(self.data, 0, &remapper).ok();
        let new_id = |g: u16| match cut {
            Some(_) => remapper.get(g).unwrap_or(0),
            None => g,
        };
        let mut glyphs: Vec<(u16, u16, i64, char)> = used
            .iter()
            .map(|(&g, &c)| (new_id(g), g, self.per_mille(self.glyph_advance(g)), c))
            .collect();
        glyphs.sort_unstable();
        Subset {
            file: cut.unwrap_or_else(|| self.data.to_vec()),
            ids: glyphs.iter().map(|&(new, old, _, _)| (old, new)).collect(),
            glyphs: glyphs
                .into_iter()
                .map(|(new, old, width, c)| SubsetGlyph {
                    id: new,
                    old,
                    width,
                    character: c,
                })
                .collect(),
        }
    }
}

/// A face cut down to the glyphs one PDF shows.
#[derive(Debug)]
pub(super) struct Subset {
    /// The TrueType file to embed.
    pub file: Vec<u8>,
    /// By new id.
    pub glyphs: Vec<SubsetGlyph>,
    /// The new id of each glyph of the whole face used.
    ids: BTreeMap<u16, u16>,
}

#[derive(Debug, Clone, Copy)]
pub(super) struct SubsetGlyph {
    /// Its id in the embedded file (the PDF's CID).
    pub id: u16,
    /// Its id in the whole face.
    pub old: u16,
    /// Thousandths of an em.
    pub width: i64,
    pub character: char,
}

impl Subset {
    /// The new id of the whole face's glyph `old`.
    pub fn id_of(&self, old: u16) -> u16 {
        self.ids.get(&old).copied().unwrap_or(0)
    }

    /// A six-letter tag for the subset's name (`ABCDEF+DejaVuSans`), the
    /// same for the same glyphs.
    pub fn tag(&self) -> String {
        let mut h: u32 = 2_166_136_261;
        for g in &self.glyphs {
            for b in g.old.to_be_bytes() {
                h = (h ^ u32::from(b)).wrapping_mul(16_777_619);
            }
        }
        (0..6)
            .map(|_| {
                let c = char::from(b'A' + u8::try_from(h % 26).unwrap_or(0));
                h /= 26;
                c
            })
            .collect()
    }
}
