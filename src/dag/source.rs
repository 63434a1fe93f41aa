//! One DAG file: its path, text, parsed facts, and places for diagnostics.

use crate::dag::python::{self, Module, Span};
use crate::diagnostic::Place;

/// A parsed DAG file.
#[derive(Debug, Clone)]
pub struct DagFile {
    /// Path as shown in diagnostics.
    pub shown: String,
    /// Path relative to the DAG repository, with `/` separators; the layout rule applies to it.
    pub rel: String,
    /// The source text.
    pub text: String,
    /// What the file declares.
    pub module: Module,
    line_starts: Vec<usize>,
}

impl DagFile {
    /// Parses a file's text.
    pub fn parse(
        shown: impl Into<String>,
        rel: impl Into<String>,
        text: String,
    ) -> Result<Self, String> {
        let module = python::parse(&text)?;
        let line_starts = std::iter::once(0)
            .chain(text.match_indices('\n').map(|(i, _)| i + 1))
            .collect();
        Ok(DagFile {
            shown: shown.into(),
            rel: rel.into(),
            text,
            module,
            line_starts,
        })
    }

    /// The place of a span, with a 1-based line and a column in characters.
    pub fn place(&self, span: Span) -> Place {
        let line = self
            .line_starts
            .partition_point(|&s| s <= span.start)
            .max(1);
        let line_start = self.line_starts[line - 1];
        let column = self
            .text
            .get(line_start..span.start)
            .map_or(0, |s| s.chars().count())
            + 1;
        Place {
            file: self.shown.clone(),
            line,
            column,
            start: span.start,
            end: span.end.max(span.start),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn places_count_lines_and_characters() {
        let f = DagFile::parse("a.py", "a.py", "x = 1\ny = 'é' + z\n".into()).unwrap();
        let p = f.place(Span { start: 17, end: 18 });
        assert_eq!((p.line, p.column), (2, 11));
        assert_eq!(f.place(Span { start: 0, end: 1 }).line, 1);
    }
}
