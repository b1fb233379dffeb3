//! A scenario file's text as every part of the harness reads it: the core its own keys, each
//! system its own sections, all with errors that name the file, line and field.
use super::ScenarioError;
use serde::de::DeserializeOwned;

/// A scenario file being loaded.
#[derive(Clone, Copy, Debug)]
pub struct ScenarioSource<'a> {
    /// The file (or the name the user gave), for messages.
    pub file: &'a str,
    /// Its TOML text.
    pub text: &'a str,
}

/// A value that breaks a rule: (dotted field, what is wrong).
pub type Invalid = (String, String);

/// `Err((field, message))` unless `ok`: one validation rule.
pub fn require(ok: bool, field: &str, message: impl Into<String>) -> Result<(), Invalid> {
    if ok {
        Ok(())
    } else {
        Err((field.to_string(), message.into()))
    }
}

impl ScenarioSource<'_> {
    /// Deserializes the whole text as `T`; a `T` that names only some sections ignores the
    /// others (its sections deny unknown fields themselves), so each part reads its own.
    pub fn parse<T: DeserializeOwned>(&self) -> Result<T, ScenarioError> {
        toml::from_str(self.text).map_err(|e| {
            let line = e.span().map(|s| line_of_offset(self.text, s.start));
            let field = line.and_then(|l| key_on_line(self.text, l));
            ScenarioError { file: self.file.to_string(), line, field, message: first_line(e.message()) }
        })
    }

    /// A system's own section: parses `S`, lets `pick` take the section out (None when the
    /// scenario does not run the system) and validates it, so every plug-in configures alike.
    pub fn section<S: DeserializeOwned, T>(
        &self,
        pick: impl FnOnce(S) -> Option<T>,
        validate: impl FnOnce(&T) -> Result<(), Invalid>,
    ) -> Result<Option<T>, ScenarioError> {
        let Some(section) = pick(self.parse()?) else { return Ok(None) };
        validate(&section).map_err(|e| self.invalid(e))?;
        Ok(Some(section))
    }

    /// The error for a rule broken at `field` (dotted, e.g. `crdt.users`), with its line.
    pub fn invalid(&self, (field, message): Invalid) -> ScenarioError {
        ScenarioError {
            file: self.file.to_string(),
            line: line_of_field(self.text, &field),
            field: Some(field),
            message,
        }
    }

    /// The line of the top-level key or `[section]` header `key`.
    pub fn line_of_key(&self, key: &str) -> Option<usize> {
        self.text
            .lines()
            .position(|raw| {
                let line = raw.trim();
                let header = line.trim_start_matches('[').trim_end_matches(']').trim();
                (line.starts_with('[') && header.split('.').next() == Some(key))
                    || line.split('=').next().map(str::trim) == Some(key)
            })
            .map(|i| i + 1)
    }
}

fn first_line(s: &str) -> String {
    s.lines().next().unwrap_or(s).trim().to_string()
}

fn line_of_offset(source: &str, offset: usize) -> usize {
    source.get(..offset).map_or(1, |prefix| prefix.matches('\n').count() + 1)
}

fn key_on_line(source: &str, line: usize) -> Option<String> {
    let text = source.lines().nth(line.checked_sub(1)?)?;
    let key = text.split('=').next()?.trim();
    (!key.is_empty() && !key.starts_with('[') && text.contains('=')).then(|| key.to_string())
}

/// Finds the line of `a.b.c`: the `[a.b]` section header then the `c =` key after it.
fn line_of_field(source: &str, field: &str) -> Option<usize> {
    let (section, key) = match field.rsplit_once('.') {
        Some((s, k)) => (Some(s), k),
        None => (None, field),
    };
    let mut in_section = section.is_none();
    for (i, raw) in source.lines().enumerate() {
        let line = raw.trim();
        if line.starts_with('[') {
            let name = line.trim_matches(|c| c == '[' || c == ']').trim();
            in_section = section.is_some_and(|s| s == name);
            continue;
        }
        let k = line.split('=').next().map(str::trim);
        if in_section && line.contains('=') && k == Some(key) {
            return Some(i + 1);
        }
    }
    None
}
