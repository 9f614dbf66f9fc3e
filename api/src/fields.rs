//! Collects every field error of a request before answering, never stopping at the first.

use domain::ValueError;

use crate::error::{ApiError, FieldError};

/// A string a client sends that is longer than `max` characters: the field error naming
/// it. Characters are counted as JSON Schema's `maxLength` counts them (Unicode code
/// points), so "Søren" is five.
pub fn too_long(pointer: &str, value: &str, max: usize) -> Option<FieldError> {
    let chars = value.chars().count();
    (chars > max).then(|| {
        FieldError::new(
            pointer,
            "too_long",
            format!("at most {max} characters, not {chars}"),
        )
    })
}

/// [`too_long`] as the whole answer: 422 naming the one field, or nothing.
pub fn at_most(pointer: &str, value: &str, max: usize) -> Result<(), ApiError> {
    match too_long(pointer, value, max) {
        Some(error) => Err(ApiError::validation(vec![error])),
        None => Ok(()),
    }
}

#[derive(Debug, Default)]
pub struct Fields {
    errors: Vec<FieldError>,
}

impl Fields {
    pub fn new() -> Self {
        Fields::default()
    }

    /// Keeps a parsed value, or records why it is invalid at `pointer`.
    pub fn check<T>(&mut self, pointer: &str, parsed: Result<T, ValueError>) -> Option<T> {
        match parsed {
            Ok(value) => Some(value),
            Err(err) => {
                self.errors
                    .push(FieldError::new(pointer, err.code, err.message));
                None
            }
        }
    }

    pub fn push(&mut self, pointer: impl Into<String>, code: &str, message: impl Into<String>) {
        self.errors.push(FieldError::new(pointer, code, message));
    }

    /// Records `too_long` at `pointer` when `value` is longer than `max` characters;
    /// answers whether it fits. The document states the same `maxLength`.
    pub fn at_most(&mut self, pointer: &str, value: &str, max: usize) -> bool {
        match too_long(pointer, value, max) {
            Some(error) => {
                self.errors.push(error);
                false
            }
            None => true,
        }
    }

    /// Adds a garde report's errors, with garde's paths turned into JSON pointers.
    pub fn garde(&mut self, report: Result<(), garde::Report>) {
        if let Err(report) = report {
            for (path, error) in report.iter() {
                let pointer: String = path
                    .to_string()
                    .split('.')
                    .filter(|s| !s.is_empty())
                    .map(|s| format!("/{s}"))
                    .collect();
                self.errors.push(FieldError::new(
                    pointer,
                    "invalid_value",
                    error.message().to_string(),
                ));
            }
        }
    }

    pub fn is_empty(&self) -> bool {
        self.errors.is_empty()
    }

    /// Every error collected.
    pub fn into_errors(self) -> Vec<FieldError> {
        self.errors
    }

    /// The 422 with every error collected.
    pub fn into_error(self) -> ApiError {
        ApiError::validation(self.errors)
    }
}
