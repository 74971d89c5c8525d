//! Byte offset ↔ position conversion, in UTF-8 columns and in UTF-16 columns (LSP's default
//! encoding). No LSP types here: the language server wraps this with the negotiated encoding.

use line_index::WideEncoding;
use text_size::{TextRange, TextSize};

/// A 0-based line and a 0-based column counted in UTF-8 bytes.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub struct LineCol {
    pub line: u32,
    pub col: u32,
}

/// A 0-based line and a 0-based column counted in UTF-16 code units.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub struct Utf16LineCol {
    pub line: u32,
    pub col: u32,
}

/// Line starts of one text (which must already be newline-normalised).
#[derive(Clone, Debug)]
pub struct LineIndex {
    inner: line_index::LineIndex,
    len: TextSize,
    line_count: u32,
}

impl LineIndex {
    pub fn new(text: &str) -> LineIndex {
        let line_count =
            u32::try_from(text.bytes().filter(|&b| b == b'\n').count() + 1).unwrap_or(u32::MAX);
        LineIndex {
            inner: line_index::LineIndex::new(text),
            len: TextSize::of(text),
            line_count,
        }
    }

    /// Length of the indexed text in bytes.
    pub fn len(&self) -> TextSize {
        self.len
    }

    pub fn is_empty(&self) -> bool {
        self.len == TextSize::from(0)
    }

    /// Number of lines (a text ending in `\n` has an empty last line).
    pub fn line_count(&self) -> u32 {
        self.line_count
    }

    /// Position of a byte offset. Offsets past the end are clamped to the end; an offset inside a
    /// multi-byte character is moved to the start of that character.
    pub fn line_col(&self, offset: TextSize) -> LineCol {
        let mut offset = offset.min(self.len);
        loop {
            if let Some(lc) = self.inner.try_line_col(offset) {
                return LineCol {
                    line: lc.line,
                    col: lc.col,
                };
            }
            // Only reachable inside a multi-byte character: step back to its first byte.
            offset -= TextSize::from(1);
        }
    }

    /// Byte offset of a position; a column past the end of its line is clamped to the line end,
    /// a line past the end of the text is `None`.
    pub fn offset(&self, pos: LineCol) -> Option<TextSize> {
        let line = self.line_range(pos.line)?;
        let col = TextSize::from(pos.col).min(line.len());
        Some(self.line_col_snap(line.start() + col))
    }

    /// UTF-16 position of a byte offset (clamped to the text).
    pub fn utf16_line_col(&self, offset: TextSize) -> Utf16LineCol {
        let lc = self.line_col(offset);
        match self.inner.to_wide(
            WideEncoding::Utf16,
            line_index::LineCol {
                line: lc.line,
                col: lc.col,
            },
        ) {
            Some(w) => Utf16LineCol {
                line: w.line,
                col: w.col,
            },
            None => Utf16LineCol {
                line: lc.line,
                col: lc.col,
            },
        }
    }

    /// Byte offset of a UTF-16 position; a column past the line end is clamped, a line past the
    /// end of the text is `None`. A column inside a surrogate pair is moved to the character start.
    pub fn offset_utf16(&self, pos: Utf16LineCol) -> Option<TextSize> {
        let line = self.line_range(pos.line)?;
        let line_len = u32::from(line.len());
        let wide_len = self
            .inner
            .to_wide(
                WideEncoding::Utf16,
                line_index::LineCol {
                    line: pos.line,
                    col: line_len,
                },
            )
            .map_or(line_len, |w| w.col);
        let col = pos.col.min(wide_len);
        let utf8 = self.inner.to_utf8(
            WideEncoding::Utf16,
            line_index::WideLineCol {
                line: pos.line,
                col,
            },
        )?;
        let col = TextSize::from(utf8.col).min(line.len());
        Some(self.line_col_snap(line.start() + col))
    }

    /// Byte range of line `line` without its line break.
    pub fn line_range(&self, line: u32) -> Option<TextRange> {
        if line >= self.line_count {
            return None;
        }
        let range = self.inner.line(line)?;
        let has_break = line + 1 < self.line_count;
        let end = if has_break {
            range.end() - TextSize::from(1)
        } else {
            range.end()
        };
        Some(TextRange::new(range.start(), end))
    }

    fn line_col_snap(&self, offset: TextSize) -> TextSize {
        let lc = self.line_col(offset);
        self.inner
            .offset(line_index::LineCol {
                line: lc.line,
                col: lc.col,
            })
            .unwrap_or(offset)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn utf8_and_utf16_columns_with_cjk_and_emoji() {
        let text = "名前: 値\nemoji: 🚀x\n";
        let index = LineIndex::new(text);
        let x = TextSize::from(text.find('x').unwrap() as u32);
        assert_eq!(index.line_col(x), LineCol { line: 1, col: 11 });
        assert_eq!(index.utf16_line_col(x), Utf16LineCol { line: 1, col: 9 });
        assert_eq!(
            index.offset_utf16(Utf16LineCol { line: 1, col: 9 }),
            Some(x)
        );
        assert_eq!(index.offset(LineCol { line: 1, col: 11 }), Some(x));
    }

    #[test]
    fn past_line_end_is_clamped_and_past_eof_is_none() {
        let text = "ab\ncd\n";
        let index = LineIndex::new(text);
        assert_eq!(
            index.offset(LineCol { line: 0, col: 99 }),
            Some(TextSize::from(2))
        );
        assert_eq!(
            index.offset_utf16(Utf16LineCol { line: 1, col: 99 }),
            Some(TextSize::from(5))
        );
        assert_eq!(
            index.offset(LineCol { line: 2, col: 0 }),
            Some(TextSize::from(6))
        );
        assert_eq!(index.offset(LineCol { line: 3, col: 0 }), None);
        assert_eq!(
            index.line_range(0),
            Some(TextRange::new(0.into(), 2.into()))
        );
        assert_eq!(index.line_count(), 3);
    }

    #[test]
    fn last_line_without_newline() {
        let index = LineIndex::new("ab\ncd");
        assert_eq!(
            index.line_range(1),
            Some(TextRange::new(3.into(), 5.into()))
        );
        assert_eq!(
            index.offset(LineCol { line: 1, col: 9 }),
            Some(TextSize::from(5))
        );
    }
}
