//! Scalar typing as Serverless Devs sees it: js-yaml 4's default schema (YAML 1.2 core schema:
//! null, booleans, integers in decimal/hex/octal/binary, floats with `.inf`/`.nan`). Only plain
//! scalars are typed; quoted and block scalars are strings; `!!str`-style tags override.

use super::ScalarStyle;

#[derive(Clone, Debug, PartialEq)]
pub enum ScalarValue {
    Null,
    Bool(bool),
    Int(i64),
    Float(f64),
    String,
}

pub(crate) enum TagEffect {
    None,
    Force(ScalarValue),
    Unknown,
}

pub(crate) fn resolve(
    text: &str,
    style: ScalarStyle,
    tag: Option<&str>,
) -> (ScalarValue, TagEffect) {
    if let Some(tag) = tag {
        let effect = match tag {
            "tag:yaml.org,2002:str" => TagEffect::Force(ScalarValue::String),
            "tag:yaml.org,2002:null" => TagEffect::Force(ScalarValue::Null),
            "tag:yaml.org,2002:bool" => match plain(text) {
                v @ ScalarValue::Bool(_) => TagEffect::Force(v),
                _ => TagEffect::Unknown,
            },
            "tag:yaml.org,2002:int" => match plain(text) {
                v @ ScalarValue::Int(_) => TagEffect::Force(v),
                _ => TagEffect::Unknown,
            },
            "tag:yaml.org,2002:float" => match plain(text) {
                ScalarValue::Int(i) => TagEffect::Force(ScalarValue::Float(i as f64)),
                v @ ScalarValue::Float(_) => TagEffect::Force(v),
                _ => TagEffect::Unknown,
            },
            // A non-specific tag `!` forces a string.
            "!" => TagEffect::Force(ScalarValue::String),
            // js-yaml also knows timestamp and binary; both stay text for sdls.
            "tag:yaml.org,2002:timestamp" | "tag:yaml.org,2002:binary" => {
                TagEffect::Force(ScalarValue::String)
            }
            _ => TagEffect::Unknown,
        };
        return match effect {
            TagEffect::Force(v) => (v.clone(), TagEffect::Force(v)),
            other => (ScalarValue::String, other),
        };
    }
    if style != ScalarStyle::Plain {
        return (ScalarValue::String, TagEffect::None);
    }
    (plain(text), TagEffect::None)
}

/// The value of a plain scalar.
pub(crate) fn plain(text: &str) -> ScalarValue {
    match text {
        "" | "~" | "null" | "Null" | "NULL" => return ScalarValue::Null,
        "true" | "True" | "TRUE" => return ScalarValue::Bool(true),
        "false" | "False" | "FALSE" => return ScalarValue::Bool(false),
        ".inf" | ".Inf" | ".INF" | "+.inf" | "+.Inf" | "+.INF" => {
            return ScalarValue::Float(f64::INFINITY);
        }
        "-.inf" | "-.Inf" | "-.INF" => return ScalarValue::Float(f64::NEG_INFINITY),
        ".nan" | ".NaN" | ".NAN" => return ScalarValue::Float(f64::NAN),
        _ => {}
    }
    if let Some(v) = int(text) {
        return v;
    }
    if is_float(text)
        && let Ok(f) = text.parse::<f64>()
    {
        return ScalarValue::Float(f);
    }
    ScalarValue::String
}

fn int(text: &str) -> Option<ScalarValue> {
    let (negative, digits) = match text.as_bytes().first()? {
        b'-' => (true, &text[1..]),
        b'+' => (false, &text[1..]),
        _ => (false, text),
    };
    let (radix, body) = if let Some(rest) = digits.strip_prefix("0x") {
        (16, rest)
    } else if let Some(rest) = digits.strip_prefix("0o") {
        (8, rest)
    } else if let Some(rest) = digits.strip_prefix("0b") {
        (2, rest)
    } else {
        (10, digits)
    };
    if body.is_empty() || !body.chars().all(|c| c.is_digit(radix)) {
        return None;
    }
    match i64::from_str_radix(body, radix) {
        Ok(v) => Some(ScalarValue::Int(if negative { -v } else { v })),
        // Too large for i64: JavaScript would still read a (lossy) number.
        Err(_) => body
            .parse::<f64>()
            .ok()
            .filter(|_| radix == 10)
            .map(|f| ScalarValue::Float(if negative { -f } else { f })),
    }
}

/// YAML 1.2 core float: `[-+]?(\.[0-9]+|[0-9]+(\.[0-9]*)?)([eE][-+]?[0-9]+)?`.
fn is_float(text: &str) -> bool {
    let b = text.as_bytes();
    let mut i = 0;
    if matches!(b.first(), Some(b'-' | b'+')) {
        i += 1;
    }
    let int_start = i;
    while i < b.len() && b[i].is_ascii_digit() {
        i += 1;
    }
    let int_digits = i - int_start;
    let mut frac_digits = 0;
    if i < b.len() && b[i] == b'.' {
        i += 1;
        let s = i;
        while i < b.len() && b[i].is_ascii_digit() {
            i += 1;
        }
        frac_digits = i - s;
        if int_digits == 0 && frac_digits == 0 {
            return false;
        }
    } else if int_digits == 0 {
        return false;
    }
    if i < b.len() && (b[i] == b'e' || b[i] == b'E') {
        i += 1;
        if i < b.len() && (b[i] == b'-' || b[i] == b'+') {
            i += 1;
        }
        let s = i;
        while i < b.len() && b[i].is_ascii_digit() {
            i += 1;
        }
        if i == s {
            return false;
        }
    }
    let _ = frac_digits;
    i == b.len()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn core_schema() {
        assert_eq!(plain(""), ScalarValue::Null);
        assert_eq!(plain("~"), ScalarValue::Null);
        assert_eq!(plain("True"), ScalarValue::Bool(true));
        assert_eq!(plain("yes"), ScalarValue::String);
        assert_eq!(plain("512"), ScalarValue::Int(512));
        assert_eq!(plain("-3"), ScalarValue::Int(-3));
        assert_eq!(plain("0x1F"), ScalarValue::Int(31));
        assert_eq!(plain("0o17"), ScalarValue::Int(15));
        assert_eq!(plain("0.35"), ScalarValue::Float(0.35));
        assert_eq!(plain("1e3"), ScalarValue::Float(1000.0));
        assert_eq!(plain(".5"), ScalarValue::Float(0.5));
        assert_eq!(plain("3.0.0"), ScalarValue::String);
        assert_eq!(plain("1."), ScalarValue::Float(1.0));
        assert_eq!(plain("."), ScalarValue::String);
        assert_eq!(plain("python3.9"), ScalarValue::String);
        assert_eq!(plain("1_000"), ScalarValue::String);
    }
}
