//! A small EDN reader that records the line of every form, so op errors can name their line.
//!
//! Covers what Jepsen histories use: nil/booleans, integers (incl. `N`), floats (incl. `M`,
//! `##Inf`/`##NaN`), strings, characters, keywords, symbols, lists, vectors, maps, sets,
//! tagged forms (`#inst`, `#jepsen.history.Op{...}`), comments and `#_` discards.
use super::value::{Edn, EdnKind};
use crate::history::error::{truncate, InputError};

/// Nesting bound: deeper input is rejected instead of risking stack exhaustion.
const DEPTH_MAX: usize = 256;

/// Parse every top-level form in `text`; `file` is only used in error messages.
pub(crate) fn parse_forms(file: &str, text: &str) -> Result<Vec<Edn>, InputError> {
    let mut r = Reader { file, src: text, pos: 0, line: 1 };
    let mut out = Vec::new();
    loop {
        r.skip_ws_and_discards(0)?;
        if r.peek().is_none() {
            return Ok(out);
        }
        out.push(r.form(0)?);
    }
}

struct Reader<'a> {
    file: &'a str,
    src: &'a str,
    pos: usize,
    line: usize,
}

fn is_delim(c: char) -> bool {
    c.is_whitespace() || matches!(c, ',' | '(' | ')' | '[' | ']' | '{' | '}' | '"' | ';')
}

impl<'a> Reader<'a> {
    fn err(&self, line: usize, msg: impl Into<String>) -> InputError {
        InputError::at_line(self.file, line, msg)
    }

    fn peek(&self) -> Option<char> {
        self.src[self.pos..].chars().next()
    }

    fn peek2(&self) -> Option<char> {
        let mut it = self.src[self.pos..].chars();
        it.next();
        it.next()
    }

    fn bump(&mut self) -> Option<char> {
        let c = self.peek()?;
        self.pos += c.len_utf8();
        if c == '\n' {
            self.line += 1;
        }
        Some(c)
    }

    /// Skip whitespace, commas, `;` comments and `#_` discarded forms.
    fn skip_ws_and_discards(&mut self, depth: usize) -> Result<(), InputError> {
        loop {
            match self.peek() {
                Some(c) if c.is_whitespace() || c == ',' => {
                    self.bump();
                }
                Some(';') => {
                    while let Some(c) = self.bump() {
                        if c == '\n' {
                            break;
                        }
                    }
                }
                Some('#') if self.peek2() == Some('_') => {
                    self.bump();
                    self.bump();
                    // form() skips leading space itself and reports end of file; looping here
                    // (not recursing) keeps long `#_ #_ #_` chains off the stack.
                    self.form(depth + 1)?;
                }
                _ => return Ok(()),
            }
        }
    }

    /// Read a run of non-delimiter characters (symbol, keyword, number or tag).
    fn token(&mut self) -> &'a str {
        let start = self.pos;
        while let Some(c) = self.peek() {
            if is_delim(c) {
                break;
            }
            self.bump();
        }
        &self.src[start..self.pos]
    }

    fn form(&mut self, depth: usize) -> Result<Edn, InputError> {
        if depth > DEPTH_MAX {
            return Err(self.err(self.line, format!("forms nested deeper than {DEPTH_MAX} levels")));
        }
        self.skip_ws_and_discards(depth)?;
        let line = self.line;
        let Some(c) = self.peek() else {
            return Err(self.err(line, "unexpected end of file: expected a value"));
        };
        let kind = match c {
            '(' => {
                self.bump();
                EdnKind::List(self.seq(')', "list", line, depth)?)
            }
            '[' => {
                self.bump();
                EdnKind::Vector(self.seq(']', "vector", line, depth)?)
            }
            '{' => {
                self.bump();
                self.map(line, depth)?
            }
            ')' | ']' | '}' => {
                self.bump();
                return Err(self.err(line, format!("unexpected '{c}' with no matching opening bracket")));
            }
            '"' => {
                self.bump();
                EdnKind::Str(self.string(line)?)
            }
            '\\' => {
                self.bump();
                EdnKind::Char(self.character(line)?)
            }
            '#' => {
                self.bump();
                return self.dispatch(line, depth);
            }
            _ => {
                let tok = self.token();
                if tok.is_empty() {
                    // A delimiter we don't start forms with; consume it to guarantee progress.
                    self.bump();
                    return Err(self.err(line, format!("unexpected character {c:?}")));
                }
                self.atom(tok, line)?
            }
        };
        Ok(Edn { line, kind })
    }

    /// After `#`: sets, `##Inf`-style symbolic values, or tagged forms.
    fn dispatch(&mut self, line: usize, depth: usize) -> Result<Edn, InputError> {
        match self.peek() {
            Some('{') => {
                self.bump();
                Ok(Edn { line, kind: EdnKind::Set(self.seq('}', "set", line, depth)?) })
            }
            Some('#') => {
                self.bump();
                let tok = self.token();
                let f = match tok {
                    "Inf" => f64::INFINITY,
                    "-Inf" => f64::NEG_INFINITY,
                    "NaN" => f64::NAN,
                    _ => return Err(self.err(line, format!("unknown symbolic value ##{}", truncate(tok, 40)))),
                };
                Ok(Edn { line, kind: EdnKind::Float(f) })
            }
            Some(c) if c.is_alphabetic() => {
                let tag = self.token().to_string();
                self.skip_ws_and_discards(depth)?;
                if self.peek().is_none() {
                    return Err(self.err(line, format!("tag #{} at end of file: expected a value", truncate(&tag, 40))));
                }
                let inner = self.form(depth + 1)?;
                Ok(Edn { line, kind: EdnKind::Tagged(tag, Box::new(inner)) })
            }
            _ => Err(self.err(line, "unsupported dispatch after '#': expected #{, ##, #_ or #tag")),
        }
    }

    fn seq(&mut self, close: char, what: &str, open_line: usize, depth: usize) -> Result<Vec<Edn>, InputError> {
        let mut items = Vec::new();
        loop {
            self.skip_ws_and_discards(depth + 1)?;
            match self.peek() {
                None => {
                    return Err(self.err(
                        self.line,
                        format!("unterminated {what} opened on line {open_line}: file ended before '{close}'"),
                    ))
                }
                Some(c) if c == close => {
                    self.bump();
                    return Ok(items);
                }
                Some(c @ (')' | ']' | '}')) => {
                    return Err(self.err(
                        self.line,
                        format!("mismatched '{c}': the {what} opened on line {open_line} must close with '{close}'"),
                    ))
                }
                Some(_) => items.push(self.form(depth + 1)?),
            }
        }
    }

    fn map(&mut self, open_line: usize, depth: usize) -> Result<EdnKind, InputError> {
        let items = self.seq('}', "map", open_line, depth)?;
        if items.len() % 2 != 0 {
            return Err(self.err(open_line, "map has an odd number of forms: a key is missing its value"));
        }
        let mut it = items.into_iter();
        let mut kvs = Vec::new();
        while let (Some(k), Some(v)) = (it.next(), it.next()) {
            kvs.push((k, v));
        }
        Ok(EdnKind::Map(kvs))
    }

    fn string(&mut self, open_line: usize) -> Result<String, InputError> {
        let mut s = String::new();
        loop {
            let Some(c) = self.bump() else {
                return Err(self.err(self.line, format!("unterminated string opened on line {open_line}")));
            };
            match c {
                '"' => return Ok(s),
                '\\' => {
                    let Some(e) = self.bump() else {
                        return Err(self.err(self.line, format!("unterminated string opened on line {open_line}")));
                    };
                    s.push(match e {
                        'n' => '\n',
                        't' => '\t',
                        'r' => '\r',
                        'b' => '\u{8}',
                        'f' => '\u{c}',
                        '"' => '"',
                        '\\' => '\\',
                        'u' => self.unicode_escape()?,
                        other => return Err(self.err(self.line, format!("unknown string escape \\{other}"))),
                    });
                }
                other => s.push(other),
            }
        }
    }

    fn unicode_escape(&mut self) -> Result<char, InputError> {
        let line = self.line;
        let mut code = 0u32;
        for _ in 0..4 {
            let d = self.bump().and_then(|c| c.to_digit(16));
            let Some(d) = d else {
                return Err(self.err(line, "\\u escape needs four hex digits"));
            };
            code = code * 16 + d;
        }
        // Lone surrogates are not chars; substitute rather than reject a whole history for it.
        Ok(char::from_u32(code).unwrap_or('\u{FFFD}'))
    }

    fn character(&mut self, line: usize) -> Result<char, InputError> {
        // The first char is taken even if it is a delimiter: `\(` and `\ ` are legal.
        let Some(first) = self.bump() else {
            return Err(self.err(line, "backslash at end of file: expected a character"));
        };
        let rest = self.token();
        if rest.is_empty() {
            return Ok(first);
        }
        let mut name = String::from(first);
        name.push_str(rest);
        Ok(match name.as_str() {
            "newline" => '\n',
            "space" => ' ',
            "tab" => '\t',
            "return" => '\r',
            "backspace" => '\u{8}',
            "formfeed" => '\u{c}',
            n if n.starts_with('u') && n.len() == 5 => {
                u32::from_str_radix(&n[1..], 16)
                    .ok()
                    .and_then(char::from_u32)
                    .ok_or_else(|| self.err(line, format!("bad unicode character \\{}", truncate(n, 20))))?
            }
            n => return Err(self.err(line, format!("unknown character name \\{}", truncate(n, 40)))),
        })
    }

    fn atom(&self, tok: &str, line: usize) -> Result<EdnKind, InputError> {
        let first = tok.chars().next().unwrap_or(' ');
        let second = tok.chars().nth(1);
        if first.is_ascii_digit() || (matches!(first, '+' | '-') && second.is_some_and(|c| c.is_ascii_digit())) {
            return self.number(tok, line);
        }
        if let Some(name) = tok.strip_prefix(':') {
            let name = name.trim_start_matches(':');
            if name.is_empty() {
                return Err(self.err(line, "empty keyword ':'"));
            }
            return Ok(EdnKind::Keyword(name.to_string()));
        }
        Ok(match tok {
            "nil" => EdnKind::Nil,
            "true" => EdnKind::Bool(true),
            "false" => EdnKind::Bool(false),
            _ => EdnKind::Symbol(tok.to_string()),
        })
    }

    fn number(&self, tok: &str, line: usize) -> Result<EdnKind, InputError> {
        let bad = || self.err(line, format!("invalid number {}", truncate(tok, 40)));
        if let Some(int) = tok.strip_suffix('N') {
            return int.parse::<i128>().map(EdnKind::Int).map_err(|_| bad());
        }
        if let Ok(i) = tok.parse::<i128>() {
            return Ok(EdnKind::Int(i));
        }
        if let Some((n, d)) = tok.split_once('/') {
            let (n, d) = (n.parse::<i128>().map_err(|_| bad())?, d.parse::<i128>().map_err(|_| bad())?);
            if d == 0 {
                return Err(bad());
            }
            return Ok(EdnKind::Float(n as f64 / d as f64));
        }
        let float = tok.strip_suffix('M').unwrap_or(tok);
        // Rust's float parser accepts "inf"/"nan" words; EDN numbers are digits only.
        if float.chars().all(|c| c.is_ascii_digit() || matches!(c, '.' | 'e' | 'E' | '+' | '-')) {
            if let Ok(f) = float.parse::<f64>() {
                return Ok(EdnKind::Float(f));
            }
        }
        Err(bad())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn one(s: &str) -> EdnKind {
        let mut v = parse_forms("t", s).unwrap();
        assert_eq!(v.len(), 1);
        v.remove(0).kind
    }

    #[test]
    fn atoms() {
        assert_eq!(one("nil"), EdnKind::Nil);
        assert_eq!(one("-12"), EdnKind::Int(-12));
        assert_eq!(one("12N"), EdnKind::Int(12));
        assert_eq!(one("1.5M"), EdnKind::Float(1.5));
        assert_eq!(one("1/2"), EdnKind::Float(0.5));
        assert_eq!(one(":a/b"), EdnKind::Keyword("a/b".into()));
        assert_eq!(one("\"a\\n\\u0041\""), EdnKind::Str("a\nA".into()));
        assert_eq!(one("\\newline"), EdnKind::Char('\n'));
        assert_eq!(one("\\("), EdnKind::Char('('));
        assert_eq!(one("foo.bar"), EdnKind::Symbol("foo.bar".into()));
    }

    #[test]
    fn collections_lines_and_discards() {
        let v = parse_forms("t", "; c\n[1 #_ 2 3]\n{:a\n #{1 2}} (x)").unwrap();
        assert_eq!(v.len(), 3);
        assert_eq!(v[0].line, 2);
        match &v[1].kind {
            EdnKind::Map(kvs) => assert_eq!(kvs[0].1.line, 4),
            k => panic!("{k:?}"),
        }
        match &v[0].kind {
            EdnKind::Vector(xs) => assert_eq!(xs.len(), 2),
            k => panic!("{k:?}"),
        }
    }

    #[test]
    fn errors() {
        let e = parse_forms("h.edn", "[1 2\n{:a 1}").unwrap_err();
        assert!(e.to_string().contains("unterminated vector opened on line 1"), "{e}");
        assert!(parse_forms("h", "{:a}").is_err());
        assert!(parse_forms("h", "(]").is_err());
        assert!(parse_forms("h", "\"abc").is_err());
        assert!(parse_forms("h", "1x").is_err());
        assert!(parse_forms("h", "#_").is_err());
        let deep = "[".repeat(10_000);
        assert!(parse_forms("h", &deep).unwrap_err().message.contains("nested deeper"));
    }
}
