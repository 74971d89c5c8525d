//! Byte offsets ↔ LSP positions in the negotiated encoding (UTF-8 when the client offers it,
//! else UTF-16). The only place positions exist; everything inside works on byte offsets.

use syntax::{LineCol, LineIndex, TextRange, TextSize, Utf16LineCol};
use tower_lsp_server::ls_types::{Position, Range};

#[derive(Clone, Copy, Debug, PartialEq, Eq, Default)]
pub(crate) enum Encoding {
    Utf8,
    #[default]
    Utf16,
}

pub(crate) fn position(index: &LineIndex, enc: Encoding, offset: TextSize) -> Position {
    match enc {
        Encoding::Utf8 => {
            let lc = index.line_col(offset);
            Position::new(lc.line, lc.col)
        }
        Encoding::Utf16 => {
            let lc = index.utf16_line_col(offset);
            Position::new(lc.line, lc.col)
        }
    }
}

pub(crate) fn range(index: &LineIndex, enc: Encoding, range: TextRange) -> Range {
    Range::new(
        position(index, enc, range.start()),
        position(index, enc, range.end()),
    )
}

/// A client position as a byte offset; a line past the end clamps to the end of the text.
pub(crate) fn offset(index: &LineIndex, enc: Encoding, pos: Position) -> TextSize {
    let found = match enc {
        Encoding::Utf8 => index.offset(LineCol {
            line: pos.line,
            col: pos.character,
        }),
        Encoding::Utf16 => index.offset_utf16(Utf16LineCol {
            line: pos.line,
            col: pos.character,
        }),
    };
    found.unwrap_or_else(|| index.len())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn chinese_and_emoji_before_the_cursor() {
        let text = "a: 1\ndescription: 中文😀 memorySzie\n";
        let index = LineIndex::new(text);
        let typo = TextSize::from(u32::try_from(text.find("memorySzie").unwrap_or(0)).unwrap_or(0));
        // 13 ASCII + 2 CJK (3 bytes, 1 unit each) + emoji (4 bytes, 2 units) + space.
        assert_eq!(
            position(&index, Encoding::Utf16, typo),
            Position::new(1, 18)
        );
        assert_eq!(position(&index, Encoding::Utf8, typo), Position::new(1, 24));
        for enc in [Encoding::Utf8, Encoding::Utf16] {
            let pos = position(&index, enc, typo);
            assert_eq!(offset(&index, enc, pos), typo);
        }
        // Past the end clamps instead of failing.
        assert_eq!(
            offset(&index, Encoding::Utf16, Position::new(99, 0)),
            index.len()
        );
        assert_eq!(
            offset(&index, Encoding::Utf16, Position::new(0, 99)),
            TextSize::from(4)
        );
    }
}
