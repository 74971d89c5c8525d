//! Newline normalisation. The tree and every offset work on text with `\n` only; the original
//! line-ending style is remembered so that edits can be written back in the file's own style.

use std::borrow::Cow;

/// Line endings the file used before normalisation.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum LineEndings {
    Unix,
    Dos,
}

/// Replaces `\r\n` (and lone `\r`, a YAML line break too) by `\n`.
pub fn normalize_newlines(text: &str) -> (Cow<'_, str>, LineEndings) {
    if !text.contains('\r') {
        return (Cow::Borrowed(text), LineEndings::Unix);
    }
    let endings = if text.contains("\r\n") {
        LineEndings::Dos
    } else {
        LineEndings::Unix
    };
    let mut out = String::with_capacity(text.len());
    let mut chars = text.chars().peekable();
    while let Some(c) = chars.next() {
        if c == '\r' {
            if chars.peek() == Some(&'\n') {
                chars.next();
            }
            out.push('\n');
        } else {
            out.push(c);
        }
    }
    (Cow::Owned(out), endings)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn crlf_and_lone_cr_become_lf() {
        let (text, endings) = normalize_newlines("a: 1\r\nb: 2\rc: 3\n");
        assert_eq!(text, "a: 1\nb: 2\nc: 3\n");
        assert_eq!(endings, LineEndings::Dos);
        let (text, endings) = normalize_newlines("a: 1\n");
        assert!(matches!(text, Cow::Borrowed(_)));
        assert_eq!(endings, LineEndings::Unix);
    }
}
