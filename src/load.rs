//! Load: read `platform.yaml` into a JSON value while remembering where every key and value stands.
//!
//! YAML is parsed with `saphyr`, which rejects duplicate keys and bounds alias expansion. The
//! result is a [`Document`]: the JSON value that the schema and serde see, plus a map from JSON
//! pointer to source span so that every later stage can point at the exact line and column.

use std::collections::BTreeMap;
use std::path::Path;

use saphyr::{LoadableYamlNode, MarkedYaml, Scalar, YamlData};
use serde_json::{Map, Number, Value};

use crate::diagnostic::{Diagnostic, Place};

/// Largest spec platc reads; anything bigger is certainly not a hand-written platform spec.
pub const MAX_SPEC_BYTES: usize = 4 * 1024 * 1024;

/// How deep mappings and sequences may nest.
const MAX_DEPTH: usize = 64;

/// Where a node stands in the source, as byte ranges.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct NodeSpan {
    /// The key that introduces the node, when it is a mapping value.
    pub key: Option<(usize, usize)>,
    /// The node itself.
    pub value: (usize, usize),
}

/// A loaded spec: its text, its value and the places of its nodes.
#[derive(Debug, Clone)]
pub struct Document {
    /// The path as the user gave it.
    pub path: String,
    /// The whole source text.
    pub text: String,
    /// The content as JSON.
    pub value: Value,
    spans: BTreeMap<String, NodeSpan>,
    line_starts: Vec<usize>,
    chars: CharMap,
}

/// Character ↔ byte offsets in constant time per lookup, so that places stay cheap on a
/// hostile spec (a 2 MB single-line flow list has a node every two bytes; scanning its line
/// for each one would take quadratic time).
#[derive(Debug, Clone, Default)]
struct CharMap {
    /// Byte offset of every [`CharMap::STEP`]th character.
    marks: Vec<usize>,
    /// Character index at which each line starts (parallel to `line_starts`).
    line_chars: Vec<usize>,
    /// Characters in the text.
    len: usize,
}

impl CharMap {
    const STEP: usize = 64;

    fn new(text: &str, line_starts: &[usize]) -> Self {
        let mut map = CharMap {
            marks: Vec::with_capacity(text.len() / Self::STEP + 1),
            line_chars: Vec::with_capacity(line_starts.len()),
            len: 0,
        };
        for (i, (byte, _)) in text.char_indices().enumerate() {
            if i % Self::STEP == 0 {
                map.marks.push(byte);
            }
            map.len = i + 1;
        }
        let line_chars: Vec<usize> = line_starts.iter().map(|&b| map.index(text, b)).collect();
        map.line_chars = line_chars;
        map
    }

    /// The byte offset of character `index`; the text's length past its end.
    fn byte(&self, text: &str, index: usize) -> usize {
        if index >= self.len {
            return text.len();
        }
        let from = self.marks[index / Self::STEP];
        text[from..]
            .char_indices()
            .nth(index % Self::STEP)
            .map_or(text.len(), |(b, _)| from + b)
    }

    /// The character index of byte offset `byte` (a char boundary at or below it).
    fn index(&self, text: &str, byte: usize) -> usize {
        let byte = byte.min(text.len());
        let k = self.marks.partition_point(|&m| m <= byte).saturating_sub(1);
        let from = self.marks.get(k).copied().unwrap_or(0);
        k * Self::STEP + text.get(from..byte).map_or(0, |s| s.chars().count())
    }
}

impl Document {
    /// The place of the value at `pointer`, or of its nearest ancestor that exists.
    pub fn value_place(&self, pointer: &str) -> Option<Place> {
        let (span, exact) = self.nearest(pointer)?;
        let range = if exact {
            span.value
        } else {
            span.key.unwrap_or(span.value)
        };
        Some(self.place(range))
    }

    /// The place of the key that introduces `pointer`, falling back to its value.
    pub fn key_place(&self, pointer: &str) -> Option<Place> {
        let (span, _) = self.nearest(pointer)?;
        Some(self.place(span.key.unwrap_or(span.value)))
    }

    /// The source text of the node at `pointer`, when it exists.
    pub fn source_of(&self, pointer: &str) -> Option<&str> {
        let span = self.spans.get(pointer)?;
        self.text.get(span.value.0..span.value.1)
    }

    fn nearest(&self, pointer: &str) -> Option<(&NodeSpan, bool)> {
        let mut p = pointer;
        let mut exact = true;
        loop {
            if let Some(span) = self.spans.get(p) {
                return Some((span, exact));
            }
            exact = false;
            p = &p[..p.rfind('/')?];
        }
    }

    /// Turns a byte range into a file place with a 1-based line and column.
    pub fn place(&self, (start, end): (usize, usize)) -> Place {
        let line_index = self
            .line_starts
            .partition_point(|&s| s <= start)
            .saturating_sub(1);
        let line_chars = self.chars.line_chars.get(line_index).copied().unwrap_or(0);
        let column = self
            .chars
            .index(&self.text, start)
            .saturating_sub(line_chars)
            + 1;
        Place {
            file: self.path.clone(),
            line: line_index + 1,
            column,
            start,
            end: end.max(start),
        }
    }
}

/// The `-f` path that means standard input.
pub const STDIN: &str = "-";

/// Reads and loads a spec file, or standard input for [`STDIN`].
pub fn load_file(path: &Path) -> Result<Document, Diagnostic> {
    if path == Path::new(STDIN) {
        let mut bytes = Vec::new();
        std::io::Read::read_to_end(&mut std::io::stdin().lock(), &mut bytes).map_err(|e| {
            Diagnostic::error(
                "E001",
                format!("cannot read the spec from standard input: {e}"),
            )
        })?;
        return load_bytes("<stdin>", &bytes);
    }
    let display = path.display().to_string();
    let bytes = std::fs::read(path).map_err(|e| {
        Diagnostic::error("E001", format!("cannot read {display}: {e}"))
            .help("without -f, platc reads platform.yaml in this folder or the nearest one above it in the git work tree; give another path with -f FILE")
    })?;
    load_bytes(&display, &bytes)
}

/// Loads a spec from bytes; `path` is only used in messages.
pub fn load_bytes(path: &str, bytes: &[u8]) -> Result<Document, Diagnostic> {
    if bytes.len() > MAX_SPEC_BYTES {
        return Err(Diagnostic::error(
            "E002",
            format!(
                "{path} is {} bytes; a spec may be at most {MAX_SPEC_BYTES} bytes",
                bytes.len()
            ),
        ));
    }
    let text = match std::str::from_utf8(bytes) {
        Ok(text) => text.to_owned(),
        Err(e) => {
            let valid = &bytes[..e.valid_up_to()];
            let lossy = String::from_utf8_lossy(bytes).into_owned();
            let doc = Document::new(path, lossy, Value::Null);
            let offset = String::from_utf8_lossy(valid).len();
            return Err(Diagnostic::error("E003", "the spec is not valid UTF-8")
                .at(Some(doc.place((offset, offset + 1))))
                .label("invalid byte here")
                .help("save the file as UTF-8"));
        }
    };
    load_str(path, text)
}

/// Loads a spec from text.
pub fn load_str(path: &str, text: String) -> Result<Document, Diagnostic> {
    let mut doc = Document::new(path, text, Value::Null);
    if let Some((at, c)) = doc
        .text
        .char_indices()
        .find(|&(_, c)| is_forbidden_control(c))
    {
        return Err(Diagnostic::error(
            "E005",
            format!("control character U+{:04X} in the spec", u32::from(c)),
        )
        .at(Some(doc.place((at, at + c.len_utf8()))))
        .label("YAML allows no raw control characters")
        .help("remove it; write it as an escape such as \"\\u0007\" inside double quotes if it is really meant"));
    }
    let docs = match MarkedYaml::load_from_str(&doc.text) {
        Ok(docs) => docs,
        Err(e) => return Err(scan_error(&doc, &e)),
    };
    let root = match docs.as_slice() {
        [] => None,
        [one] if matches!(one.data, YamlData::BadValue) => None,
        [one] => Some(one),
        [_, second, ..] => {
            let at = doc.byte_of(second.span.start);
            return Err(
                Diagnostic::error("E011", "the spec holds more than one YAML document")
                    .at(Some(doc.place((at, at))))
                    .help(
                        "keep one document per file: remove the `---` separator and what follows",
                    ),
            );
        }
    };
    let Some(root) = root else {
        return Err(Diagnostic::error("E010", format!("{path} is empty"))
            .at(Some(doc.place((0, 0))))
            .help("start from the bundled platform.yaml, or run `platc schema` to see the shape"));
    };
    let mut spans = BTreeMap::new();
    let value = convert(&doc, root, String::new(), None, 0, &mut spans)?;
    doc.value = value;
    doc.spans = spans;
    Ok(doc)
}

/// Where each line starts. YAML ends a line at `\n`, `\r\n` or a lone `\r` (old Mac files), as
/// saphyr counts them: a file with `\r` line endings gets the same line numbers as one with `\n`.
fn line_starts(text: &str) -> Vec<usize> {
    let bytes = text.as_bytes();
    let mut starts = vec![0];
    for (i, &b) in bytes.iter().enumerate() {
        if b == b'\n' || (b == b'\r' && bytes.get(i + 1) != Some(&b'\n')) {
            starts.push(i + 1);
        }
    }
    starts
}

impl Document {
    fn new(path: &str, text: String, value: Value) -> Self {
        let line_starts = line_starts(&text);
        let chars = CharMap::new(&text, &line_starts);
        Document {
            path: path.to_owned(),
            text,
            value,
            spans: BTreeMap::new(),
            line_starts,
            chars,
        }
    }

    /// saphyr counts characters; everything else here counts bytes. The marker's line and
    /// column find the byte offset through [`CharMap`], so loading stays linear.
    fn byte_of(&self, marker: saphyr::Marker) -> usize {
        let Some(&line_chars) = marker
            .line()
            .checked_sub(1)
            .and_then(|i| self.chars.line_chars.get(i))
        else {
            return self.text.len();
        };
        self.chars.byte(&self.text, line_chars + marker.col())
    }

    fn range(&self, start: saphyr::Marker, end: saphyr::Marker) -> (usize, usize) {
        (self.byte_of(start), self.byte_of(end))
    }
}

fn scan_error(doc: &Document, e: &saphyr::ScanError) -> Diagnostic {
    let at = doc.byte_of(*e.marker());
    // An error at the end of the input belongs to the last line that has text.
    let at = if at >= doc.text.trim_end().len() {
        doc.text.trim_end().len()
    } else {
        at
    };
    let info = e.info();
    if info.contains("duplicated key") {
        return duplicate_key(doc, at);
    }
    let (code, message, help) =
        if info.contains("alias expansion") || info.contains("recursion limit") {
            (
                "E013",
                format!("the spec expands beyond what platc accepts: {info}"),
                "use fewer nested aliases; a platform spec never needs more than a handful",
            )
        } else {
            (
                "E014",
                format!("YAML syntax error: {info}"),
                "check the indentation and quoting around this place",
            )
        };
    Diagnostic::error(code, message)
        .at(Some(doc.place((at, at + 1))))
        .help(help)
}

/// E012 at the second occurrence of a key, naming the key and, in block style, the line of its
/// first occurrence: the nearest earlier line of the same mapping (same indentation, nothing
/// shallower in between) that starts with the same key.
fn duplicate_key(doc: &Document, at: usize) -> Diagnostic {
    let line_start = doc.text[..at].rfind('\n').map_or(0, |i| i + 1);
    let line = doc.text[line_start..].lines().next().unwrap_or("");
    let indent = at - line_start;
    let (key, written) = key_at(&doc.text[at..]).unwrap_or_default();
    let block = line[..indent.min(line.len())].trim().is_empty() && !key.is_empty();
    let mut first = None;
    if block {
        let before = &doc.text[..line_start];
        let lines: Vec<&str> = before.lines().collect();
        for (offset, earlier) in lines.iter().enumerate().rev() {
            let text = earlier.trim_start();
            if text.is_empty() || text.starts_with('#') {
                continue;
            }
            let depth = earlier.len() - text.len();
            if depth < indent {
                break;
            }
            if depth == indent && key_at(text).is_some_and(|(k, _)| k == key) {
                first = Some(offset + 1);
                break;
            }
        }
    }
    let message = if key.is_empty() {
        "duplicate key in mapping".to_owned()
    } else {
        format!("duplicate key `{key}` in mapping")
    };
    let mut d = Diagnostic::error("E012", message)
        .at(Some(doc.place((at, at + written.max(1)))))
        .help("each key may appear once in a mapping; remove or merge the repeated one");
    if let Some(line) = first {
        d = d.note(format!("`{key}` first appears on line {line}"));
    }
    d
}

/// The mapping key `text` starts with: its value and how many bytes it is written in. A quoted
/// key ends at its closing quote; a plain one at `: `, `,`, `}`, `]`, ` #` or the line's end.
fn key_at(text: &str) -> Option<(String, usize)> {
    let (value, written) = match text.chars().next()? {
        '"' => {
            let mut escaped = false;
            let end = text[1..].char_indices().find_map(|(i, c)| {
                let close = c == '"' && !escaped;
                escaped = c == '\\' && !escaped;
                close.then_some(i + 1)
            })?;
            let value = text[1..end].replace("\\\"", "\"").replace("\\\\", "\\");
            (value, end + 1)
        }
        '\'' => {
            let bytes = text.as_bytes();
            let mut i = 1;
            loop {
                match bytes.get(i)? {
                    b'\'' if bytes.get(i + 1) == Some(&b'\'') => i += 2,
                    b'\'' => break,
                    _ => i += 1,
                }
            }
            (text[1..i].replace("''", "'"), i + 1)
        }
        _ => {
            let end = [": ", ":\t", ":\n", ",", "}", "]", " #", "\n"]
                .iter()
                .filter_map(|stop| text.find(stop))
                .min()
                .unwrap_or(text.len());
            let end = if end == text.len() {
                text.strip_suffix(':').map_or(end, str::len)
            } else {
                end
            };
            let plain = text[..end].trim_end();
            (plain.to_owned(), plain.len())
        }
    };
    let rest = text[written..].trim_start_matches([' ', '\t']);
    (rest.starts_with(':') || rest.is_empty() || rest.starts_with([',', '}']))
        .then_some((value, written))
}

fn convert(
    doc: &Document,
    node: &MarkedYaml<'_>,
    pointer: String,
    key: Option<(usize, usize)>,
    depth: usize,
    spans: &mut BTreeMap<String, NodeSpan>,
) -> Result<Value, Diagnostic> {
    let range = doc.range(node.span.start, node.span.end);
    if depth > MAX_DEPTH {
        return Err(Diagnostic::error(
            "E015",
            format!("the spec nests deeper than {MAX_DEPTH} levels"),
        )
        .at(Some(doc.place(range))));
    }
    let value = match &node.data {
        YamlData::Value(scalar) => scalar_value(doc, scalar, range)?,
        YamlData::Representation(text, ..) => Value::String(text.to_string()),
        YamlData::Sequence(items) => {
            let mut out = Vec::with_capacity(items.len());
            for (i, item) in items.iter().enumerate() {
                out.push(convert(
                    doc,
                    item,
                    format!("{pointer}/{i}"),
                    None,
                    depth + 1,
                    spans,
                )?);
            }
            Value::Array(out)
        }
        YamlData::Mapping(map) => {
            let mut out = Map::new();
            for (k, v) in map.iter() {
                let key_range = doc.range(k.span.start, k.span.end);
                let name = match &k.data {
                    YamlData::Value(Scalar::String(s)) => s.to_string(),
                    _ => {
                        return Err(Diagnostic::error("E016", "mapping keys must be strings")
                            .at(Some(doc.place(key_range)))
                            .help("write the key as plain text, quoting it if it looks like a number or boolean"));
                    }
                };
                let child = format!("{pointer}/{}", escape_pointer(&name));
                let value = convert(doc, v, child, Some(key_range), depth + 1, spans)?;
                out.insert(name, value);
            }
            Value::Object(out)
        }
        YamlData::Tagged(tag, _) => {
            return Err(
                Diagnostic::error("E017", format!("YAML tag `{tag}` is not supported"))
                    .at(Some(doc.place(range)))
                    .help("remove the tag; platc reads plain YAML values"),
            );
        }
        YamlData::Alias(_) | YamlData::BadValue => {
            return Err(Diagnostic::error(
                "E018",
                "this node could not be read: an unsupported tag or an undefined alias",
            )
            .at(Some(doc.place(range)))
            .help(
                "remove the tag, and check that every alias refers to an anchor defined before it",
            ));
        }
    };
    let value_range = match &value {
        // Collections report the start of their first line only: the whole block is too much to underline.
        Value::Object(_) | Value::Array(_) => (range.0, range.0),
        _ => range,
    };
    spans.insert(
        pointer,
        NodeSpan {
            key,
            value: value_range,
        },
    );
    Ok(value)
}

fn scalar_value(
    doc: &Document,
    scalar: &Scalar<'_>,
    range: (usize, usize),
) -> Result<Value, Diagnostic> {
    Ok(match scalar {
        Scalar::Null => Value::Null,
        Scalar::Boolean(b) => Value::Bool(*b),
        Scalar::Integer(i) => Value::Number((*i).into()),
        Scalar::FloatingPoint(f) => match Number::from_f64(f.into_inner()) {
            Some(n) => Value::Number(n),
            None => {
                return Err(
                    Diagnostic::error("E019", "infinite or NaN numbers are not accepted")
                        .at(Some(doc.place(range)))
                        .help("quote the value if it is meant as text"),
                );
            }
        },
        Scalar::String(s) => Value::String(s.to_string()),
    })
}

/// Characters outside YAML's printable set: C0 controls other than tab and line breaks, DEL,
/// and C1 controls other than NEL.
fn is_forbidden_control(c: char) -> bool {
    matches!(c, '\0'..='\x08' | '\x0b' | '\x0c' | '\x0e'..='\x1f' | '\x7f' | '\u{80}'..='\u{84}' | '\u{86}'..='\u{9f}')
}

/// Escapes one JSON pointer segment (RFC 6901).
pub fn escape_pointer(segment: &str) -> String {
    segment.replace('~', "~0").replace('/', "~1")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn carriage_return_line_endings_count_lines() {
        for eol in ["\n", "\r\n", "\r"] {
            let text = ["a: 1", "b:", "  c: x", ""].join(eol);
            let doc = load_str("platform.yaml", text).expect("loads");
            let place = doc.value_place("/b/c").expect("a place");
            assert_eq!((place.line, place.column), (3, 6), "{eol:?}");
        }
    }

    fn load(text: &str) -> Result<Document, Diagnostic> {
        load_str("p.yaml", text.to_owned())
    }

    #[test]
    fn keys_and_values_have_places() {
        let doc = load("a:\n  b: 1\n  c: [x, \"y\"]\n").unwrap();
        let b = doc.value_place("/a/b").unwrap();
        assert_eq!((b.line, b.column), (2, 6));
        let b_key = doc.key_place("/a/b").unwrap();
        assert_eq!((b_key.line, b_key.column), (2, 3));
        let y = doc.value_place("/a/c/1").unwrap();
        assert_eq!((y.line, y.column), (3, 10));
        assert_eq!(doc.source_of("/a/c/1"), Some("\"y\""));
    }

    #[test]
    fn a_missing_pointer_falls_back_to_the_parent_key() {
        let doc = load("a:\n  b: 1\n").unwrap();
        let p = doc.value_place("/a/zzz").unwrap();
        assert_eq!((p.line, p.column), (1, 1));
    }

    #[test]
    fn columns_count_characters_not_bytes() {
        let doc = load("name: \"äöü\"\nx: 1\n").unwrap();
        let x = doc.value_place("/x").unwrap();
        assert_eq!((x.line, x.column), (2, 4));
        let doc = load("a: \"ä\"\nb: ü\n").unwrap();
        assert_eq!(doc.value_place("/b").unwrap().column, 4);
        assert_eq!(doc.source_of("/b"), Some("ü"));
    }

    #[test]
    fn duplicate_keys_are_rejected_at_the_second_key() {
        let e = load("a: 1\nb: 2\na: 3\n").unwrap_err();
        assert_eq!(e.code, "E012");
        assert_eq!(e.message, "duplicate key `a` in mapping");
        assert_eq!(e.notes, ["`a` first appears on line 1"]);
        let p = e.place.unwrap();
        assert_eq!((p.line, p.column), (3, 1));
        // The first occurrence is found in the same mapping, not in a nested or earlier one.
        let e = load("x:\n  a: 1\ny:\n  # c\n  a: 2\n  b: 3\n  a: 4\n").unwrap_err();
        assert_eq!(e.notes, ["`a` first appears on line 5"]);
        let p = e.place.unwrap();
        assert_eq!((p.line, p.column), (7, 3));
        // Quoted keys hold colons and quotes; the whole key is compared.
        let e = load("\"a:b\": 1\na: 2\n\"a:b\": 3\n").unwrap_err();
        assert_eq!(e.message, "duplicate key `a:b` in mapping");
        assert_eq!(e.notes, ["`a:b` first appears on line 1"]);
        let e = load("'it''s': 1\n'it''s': 2\n").unwrap_err();
        assert_eq!(e.message, "duplicate key `it's` in mapping");
        // In flow style the key is named, without a line to point back to.
        let e = load("x: {a: 1, a: 2}\n").unwrap_err();
        assert_eq!(e.code, "E012");
        assert!(e.notes.is_empty(), "{:?}", e.notes);
    }

    #[test]
    fn alias_bombs_fail_fast() {
        let mut text = String::from("a0: &a0 [x, x, x, x, x, x, x, x, x, x]\n");
        for i in 1..12 {
            let prev = i - 1;
            text.push_str(&format!(
                "a{i}: &a{i} [*a{prev}, *a{prev}, *a{prev}, *a{prev}, *a{prev}, *a{prev}, *a{prev}, *a{prev}, *a{prev}, *a{prev}]\n"
            ));
        }
        let e = load(&text).unwrap_err();
        assert_eq!(e.code, "E013");
    }

    #[test]
    fn empty_and_comment_only_files_are_errors() {
        assert_eq!(load("").unwrap_err().code, "E010");
        assert_eq!(load("# nothing\n").unwrap_err().code, "E010");
    }

    #[test]
    fn invalid_utf8_points_at_the_byte() {
        let e = load_bytes("p.yaml", b"a: 1\nb: \xff\n").unwrap_err();
        assert_eq!(e.code, "E003");
        let p = e.place.unwrap();
        assert_eq!((p.line, p.column), (2, 4));
    }

    #[test]
    fn non_string_keys_and_tags_are_errors() {
        assert_eq!(load("1: a\n").unwrap_err().code, "E016");
        assert_eq!(load("a: !custom x\n").unwrap_err().code, "E017");
    }

    #[test]
    fn control_characters_are_rejected_where_they_stand() {
        let e = load("a: b\nc: x\u{7}y\n").unwrap_err();
        assert_eq!(e.code, "E005");
        let p = e.place.unwrap();
        assert_eq!((p.line, p.column), (2, 5));
        assert!(load("a: \"tab\there\"\r\n").is_ok());
    }

    #[test]
    fn several_documents_are_an_error() {
        assert_eq!(load("a: 1\n---\nb: 2\n").unwrap_err().code, "E011");
    }
}
