//! The `${...}` magic-variable syntax of Serverless Devs (reference §1.3.1): an expression runs
//! from `${` to the *first* `}`; it is a function call when it contains parentheses (arguments
//! without any quote are one string: `env(FOO)` ≡ `env('FOO')`), otherwise a dotted path.

/// A piece of a string value.
#[derive(Clone, Debug, PartialEq)]
pub(crate) enum Segment<'a> {
    Literal(&'a str),
    /// `inner` is the text between `${` and `}`; `start..end` covers `${...}` in the string.
    Expr {
        inner: &'a str,
        start: usize,
        end: usize,
    },
}

/// Splits a string into literals and expressions.
pub(crate) fn segments(s: &str) -> Vec<Segment<'_>> {
    let mut out = Vec::new();
    let mut rest_start = 0;
    let mut search = 0;
    while let Some(rel) = s[search..].find("${") {
        let start = search + rel;
        let Some(close_rel) = s[start + 2..].find('}') else {
            break;
        };
        let end = start + 2 + close_rel + 1;
        if start > rest_start {
            out.push(Segment::Literal(&s[rest_start..start]));
        }
        out.push(Segment::Expr {
            inner: &s[start + 2..end - 1],
            start,
            end,
        });
        rest_start = end;
        search = end;
    }
    if rest_start < s.len() {
        out.push(Segment::Literal(&s[rest_start..]));
    }
    out
}

pub(crate) fn has_expr(s: &str) -> bool {
    segments(s)
        .iter()
        .any(|seg| matches!(seg, Segment::Expr { .. }))
}

#[derive(Clone, Debug, PartialEq)]
pub(crate) enum Expr {
    /// `vars.a.b`, `this.props.x`, `resources.R.props.y`, `cwd`.
    Path(Vec<String>),
    /// `env('X', 'd')`, `json(file('a.json')).name`.
    Call {
        name: String,
        args: Vec<Expr>,
        tail: Vec<String>,
    },
    Str(String),
    Num(f64),
    /// Text sdls does not model (arbitrary JavaScript).
    Other(String),
}

/// Parses the text between `${` and `}`.
pub(crate) fn parse(inner: &str) -> Expr {
    if inner.contains('(') && inner.contains(')') {
        let quoted = inner.contains(['\'', '"', '`']);
        if !quoted {
            // Serverless Devs wraps the whole argument text in quotes.
            if let Some(open) = inner.find('(')
                && let Some(close) = inner.rfind(')')
            {
                let name = inner[..open].trim();
                if is_ident(name) && close > open {
                    let arg = &inner[open + 1..close];
                    let tail = parse_tail(&inner[close + 1..]);
                    return match tail {
                        Some(tail) => Expr::Call {
                            name: name.to_string(),
                            args: vec![Expr::Str(arg.to_string())],
                            tail,
                        },
                        None => Expr::Other(inner.to_string()),
                    };
                }
            }
            return Expr::Other(inner.to_string());
        }
        let mut p = Parser { s: inner, pos: 0 };
        return match p.expr() {
            Some(e) if p.at_end() => e,
            _ => Expr::Other(inner.to_string()),
        };
    }
    if inner.is_empty() || inner.trim() != inner {
        return Expr::Other(inner.to_string());
    }
    let parts: Vec<String> = inner.split('.').map(str::to_string).collect();
    if parts.iter().all(|p| {
        !p.is_empty()
            && p.chars()
                .all(|c| c.is_alphanumeric() || matches!(c, '_' | '-' | '$'))
    }) {
        Expr::Path(parts)
    } else {
        Expr::Other(inner.to_string())
    }
}

fn is_ident(s: &str) -> bool {
    !s.is_empty()
        && s.chars()
            .all(|c| c.is_alphanumeric() || c == '_' || c == '$')
}

/// `.a.b` after a call.
fn parse_tail(s: &str) -> Option<Vec<String>> {
    if s.is_empty() {
        return Some(Vec::new());
    }
    let rest = s.strip_prefix('.')?;
    let parts: Vec<String> = rest.split('.').map(str::to_string).collect();
    parts
        .iter()
        .all(|p| is_ident(p) || p.chars().all(|c| c.is_ascii_digit()) && !p.is_empty())
        .then_some(parts)
}

struct Parser<'a> {
    s: &'a str,
    pos: usize,
}

impl Parser<'_> {
    fn at_end(&mut self) -> bool {
        self.skip_ws();
        self.pos >= self.s.len()
    }

    fn skip_ws(&mut self) {
        while self.s[self.pos..].starts_with([' ', '\t', '\n']) {
            self.pos += 1;
        }
    }

    fn peek(&self) -> Option<char> {
        self.s[self.pos..].chars().next()
    }

    fn expr(&mut self) -> Option<Expr> {
        self.skip_ws();
        let c = self.peek()?;
        if c == '\'' || c == '"' || c == '`' {
            return self.string(c).map(Expr::Str);
        }
        if c.is_ascii_digit() || c == '-' {
            let start = self.pos;
            self.pos += c.len_utf8();
            while self
                .peek()
                .is_some_and(|c| c.is_ascii_digit() || c == '.' || c == 'e' || c == 'E')
            {
                self.pos += 1;
            }
            return self.s[start..self.pos].parse::<f64>().ok().map(Expr::Num);
        }
        let start = self.pos;
        while self
            .peek()
            .is_some_and(|c| c.is_alphanumeric() || matches!(c, '_' | '$' | '.' | '-'))
        {
            self.pos += self.peek().map_or(1, char::len_utf8);
        }
        let word = &self.s[start..self.pos];
        if word.is_empty() {
            return None;
        }
        self.skip_ws();
        if self.peek() == Some('(') && is_ident(word) {
            self.pos += 1;
            let mut args = Vec::new();
            loop {
                self.skip_ws();
                if self.peek() == Some(')') {
                    self.pos += 1;
                    break;
                }
                args.push(self.expr()?);
                self.skip_ws();
                match self.peek()? {
                    ',' => self.pos += 1,
                    ')' => {
                        self.pos += 1;
                        break;
                    }
                    _ => return None,
                }
            }
            let mut tail = Vec::new();
            while self.peek() == Some('.') {
                self.pos += 1;
                let s = self.pos;
                while self
                    .peek()
                    .is_some_and(|c| c.is_alphanumeric() || c == '_' || c == '$')
                {
                    self.pos += 1;
                }
                if s == self.pos {
                    return None;
                }
                tail.push(self.s[s..self.pos].to_string());
            }
            return Some(Expr::Call {
                name: word.to_string(),
                args,
                tail,
            });
        }
        Some(Expr::Path(word.split('.').map(str::to_string).collect()))
    }

    fn string(&mut self, quote: char) -> Option<String> {
        self.pos += 1;
        let mut out = String::new();
        loop {
            let c = self.peek()?;
            self.pos += c.len_utf8();
            if c == quote {
                return Some(out);
            }
            if c == '\\' {
                let n = self.peek()?;
                self.pos += n.len_utf8();
                out.push(match n {
                    'n' => '\n',
                    't' => '\t',
                    other => other,
                });
            } else {
                out.push(c);
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn splits_at_the_first_closing_brace() {
        let segs = segments("a-${vars.x}-${json('{\"a\":1}')}");
        assert_eq!(segs[0], Segment::Literal("a-"));
        assert_eq!(
            segs[1],
            Segment::Expr {
                inner: "vars.x",
                start: 2,
                end: 11
            }
        );
        assert!(matches!(
            segs[3],
            Segment::Expr {
                inner: "json('{\"a\":1",
                ..
            }
        ));
    }

    #[test]
    fn calls_and_paths() {
        assert_eq!(
            parse("vars.a.b"),
            Expr::Path(vec!["vars".into(), "a".into(), "b".into()])
        );
        assert_eq!(
            parse("env(FOO)"),
            Expr::Call {
                name: "env".into(),
                args: vec![Expr::Str("FOO".into())],
                tail: vec![]
            }
        );
        assert_eq!(
            parse("env(FOO, x)"),
            Expr::Call {
                name: "env".into(),
                args: vec![Expr::Str("FOO, x".into())],
                tail: vec![]
            }
        );
        assert_eq!(
            parse("env('region', 'cn-hangzhou')"),
            Expr::Call {
                name: "env".into(),
                args: vec![Expr::Str("region".into()), Expr::Str("cn-hangzhou".into())],
                tail: vec![]
            }
        );
        assert_eq!(
            parse("json(file('a.json')).name"),
            Expr::Call {
                name: "json".into(),
                args: vec![Expr::Call {
                    name: "file".into(),
                    args: vec![Expr::Str("a.json".into())],
                    tail: vec![]
                }],
                tail: vec!["name".into()]
            }
        );
        assert_eq!(
            parse("env('X', 3)"),
            Expr::Call {
                name: "env".into(),
                args: vec![Expr::Str("X".into()), Expr::Num(3.0)],
                tail: vec![]
            }
        );
        assert!(matches!(parse(" vars.a "), Expr::Other(_)));
        assert!(matches!(parse("vars['k']"), Expr::Other(_)));
    }
}
