//! Reading a DAG file with tree-sitter-python: imports, module-level assignments and DAG definitions.
//!
//! Nothing is executed. The syntax tree is turned into a few owned facts ([`Module`]) with byte
//! spans, so the rules never touch tree-sitter and can be tested on plain data.

use std::collections::BTreeMap;

use tree_sitter::{Node, Parser};

/// A byte range in the file.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Span {
    /// First byte.
    pub start: usize,
    /// One past the last byte.
    pub end: usize,
}

/// An expression, as far as the rules need to see into it.
#[derive(Debug, Clone, PartialEq)]
pub struct Expr {
    /// What it is.
    pub kind: ExprKind,
    /// Where it is.
    pub span: Span,
}

/// The shapes of expressions the rules look at; everything else is [`ExprKind::Other`].
#[derive(Debug, Clone, PartialEq)]
pub enum ExprKind {
    /// A string literal without interpolation.
    Str(String),
    /// `None`.
    None,
    /// A list, tuple or set display.
    Seq(Vec<Expr>),
    /// A dict display; keys that are not string literals are `None`.
    Dict(Vec<(Option<String>, Expr)>),
    /// A call.
    Call(Call),
    /// A name or dotted attribute chain, as written.
    Name(String),
    /// `a | b` or `a & b`.
    Combine(Box<Expr>, Box<Expr>),
    /// Anything else.
    Other,
}

/// A call: `f(a, k=v)`.
#[derive(Debug, Clone, PartialEq)]
pub struct Call {
    /// The called name, dotted, when it is a plain name or attribute chain.
    pub callee: Option<String>,
    /// Where the called name is.
    pub callee_span: Span,
    /// Positional arguments.
    pub args: Vec<Expr>,
    /// Keyword arguments in order.
    pub kwargs: Vec<Keyword>,
    /// Whether `**mapping` is passed, which may hold any keyword.
    pub splat: bool,
}

/// `name=value` in a call.
#[derive(Debug, Clone, PartialEq)]
pub struct Keyword {
    /// The keyword.
    pub name: String,
    /// Where the keyword is.
    pub name_span: Span,
    /// The value.
    pub value: Expr,
}

impl Call {
    /// The value of a keyword argument.
    pub fn kwarg(&self, name: &str) -> Option<&Keyword> {
        self.kwargs.iter().find(|k| k.name == name)
    }
}

/// One imported module or name.
#[derive(Debug, Clone, PartialEq)]
pub struct Import {
    /// The module: `a.b` in `import a.b` and in `from a.b import c`.
    pub module: String,
    /// The imported name: `c` in `from a.b import c`.
    pub name: Option<String>,
    /// Where the module is named.
    pub module_span: Span,
    /// Where the name is named (the module for `import a.b`).
    pub span: Span,
}

/// How a DAG is declared.
#[derive(Debug, Clone, PartialEq)]
pub enum DagKind {
    /// `DAG(...)`, also in `with DAG(...) as dag:`.
    Class,
    /// `@dag` or `@dag(...)` on a function.
    Decorator {
        /// The decorated function's name and its place; the dag_id when none is given.
        function: (String, Span),
    },
}

/// One DAG declared in the file.
#[derive(Debug, Clone, PartialEq)]
pub struct DagDef {
    /// Class or decorator.
    pub kind: DagKind,
    /// The `DAG(...)` call or the decorator, for places.
    pub span: Span,
    /// The arguments; empty for a bare `@dag`.
    pub call: Call,
}

/// The facts of one Python file.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Module {
    /// Every import statement's modules and names, in order.
    pub imports: Vec<Import>,
    /// Local names bound by imports, to their qualified names.
    pub aliases: BTreeMap<String, String>,
    /// Module-level `name = value` assignments (the last one wins).
    pub assignments: BTreeMap<String, Expr>,
    /// DAGs, in order.
    pub dags: Vec<DagDef>,
    /// The first syntax error, if any.
    pub syntax_error: Option<Span>,
}

impl Module {
    /// The qualified name of a dotted name as written, through the file's imports.
    pub fn qualify(&self, dotted: &str) -> String {
        let (head, tail) = dotted
            .split_once('.')
            .map_or((dotted, None), |(h, t)| (h, Some(t)));
        match (self.aliases.get(head), tail) {
            (Some(q), Some(t)) => format!("{q}.{t}"),
            (Some(q), None) => q.clone(),
            (None, _) => dotted.to_owned(),
        }
    }

    /// Follows a bare name to its module-level assignment, once.
    pub fn resolve<'a>(&'a self, expr: &'a Expr) -> &'a Expr {
        match &expr.kind {
            ExprKind::Name(n) => self.assignments.get(n).unwrap_or(expr),
            _ => expr,
        }
    }
}

/// Parses Python source. Fails only when the grammar cannot be loaded, which is a bug.
pub fn parse(text: &str) -> Result<Module, String> {
    let mut parser = Parser::new();
    parser
        .set_language(&tree_sitter_python::LANGUAGE.into())
        .map_err(|e| format!("cannot load the Python grammar: {e}"))?;
    let tree = parser
        .parse(text, None)
        .ok_or("the Python parser gave up")?;
    let mut reader = Reader {
        src: text.as_bytes(),
        module: Module::default(),
    };
    let root = tree.root_node();
    reader.module.syntax_error = first_error(root);
    for child in named_children(root) {
        if child.kind() == "expression_statement" {
            for assignment in named_children(child).filter(|c| c.kind() == "assignment") {
                if let (Some(left), Some(right)) = (
                    assignment.child_by_field_name("left"),
                    assignment.child_by_field_name("right"),
                ) && left.kind() == "identifier"
                {
                    let value = reader.expr(right);
                    reader
                        .module
                        .assignments
                        .insert(reader.text(left).to_owned(), value);
                }
            }
        }
    }
    reader.walk(root);
    Ok(reader.module)
}

fn named_children(node: Node<'_>) -> impl Iterator<Item = Node<'_>> {
    (0..node.named_child_count()).filter_map(move |i| node.named_child(i as u32))
}

fn span(node: Node<'_>) -> Span {
    Span {
        start: node.start_byte(),
        end: node.end_byte(),
    }
}

fn first_error(node: Node<'_>) -> Option<Span> {
    if node.is_error() || node.is_missing() {
        return Some(span(node));
    }
    if !node.has_error() {
        return None;
    }
    (0..node.child_count())
        .filter_map(|i| node.child(i as u32))
        .find_map(first_error)
}

struct Reader<'s> {
    src: &'s [u8],
    module: Module,
}

impl Reader<'_> {
    fn text(&self, node: Node<'_>) -> &str {
        node.utf8_text(self.src).unwrap_or("")
    }

    fn walk(&mut self, node: Node<'_>) {
        match node.kind() {
            "import_statement" => self.import(node),
            "import_from_statement" => self.import_from(node),
            "call" => {
                let call = self.call(node);
                if call
                    .callee
                    .as_deref()
                    .is_some_and(|c| is_dag_class(&self.module.qualify(c)))
                {
                    self.module.dags.push(DagDef {
                        kind: DagKind::Class,
                        span: span(node),
                        call,
                    });
                }
            }
            "decorated_definition" => self.decorated(node),
            _ => {}
        }
        for child in named_children(node) {
            self.walk(child);
        }
    }

    fn import(&mut self, node: Node<'_>) {
        for child in named_children(node)
            .filter(|c| c.child_by_field_name("name").is_some() || c.kind() == "dotted_name")
        {
            let (dotted, alias) = match child.kind() {
                "aliased_import" => (
                    child.child_by_field_name("name"),
                    child.child_by_field_name("alias"),
                ),
                _ => (Some(child), None),
            };
            let Some(dotted) = dotted else { continue };
            let module = self.text(dotted).to_owned();
            let local = alias.map_or_else(
                || module.split('.').next().unwrap_or("").to_owned(),
                |a| self.text(a).to_owned(),
            );
            let bound = if alias.is_some() {
                module.clone()
            } else {
                local.clone()
            };
            self.module.aliases.insert(local, bound);
            self.module.imports.push(Import {
                module,
                name: None,
                module_span: span(dotted),
                span: span(dotted),
            });
        }
    }

    fn import_from(&mut self, node: Node<'_>) {
        let Some(module_node) = node.child_by_field_name("module_name") else {
            return;
        };
        if module_node.kind() != "dotted_name" {
            return; // relative import: part of the DAG repository, not Airflow
        }
        let module = self.text(module_node).to_owned();
        let mut cursor = node.walk();
        let names: Vec<Node<'_>> = node.children_by_field_name("name", &mut cursor).collect();
        if names.is_empty() {
            self.module.imports.push(Import {
                module,
                name: None,
                module_span: span(module_node),
                span: span(module_node),
            });
            return;
        }
        for name in names {
            let (dotted, alias) = match name.kind() {
                "aliased_import" => (
                    name.child_by_field_name("name"),
                    name.child_by_field_name("alias"),
                ),
                _ => (Some(name), None),
            };
            let Some(dotted) = dotted else { continue };
            let imported = self.text(dotted).to_owned();
            let local = alias.map_or_else(|| imported.clone(), |a| self.text(a).to_owned());
            self.module
                .aliases
                .insert(local, format!("{module}.{imported}"));
            self.module.imports.push(Import {
                module: module.clone(),
                name: Some(imported),
                module_span: span(module_node),
                span: span(dotted),
            });
        }
    }

    fn decorated(&mut self, node: Node<'_>) {
        let Some(function) = node
            .child_by_field_name("definition")
            .filter(|d| d.kind() == "function_definition")
        else {
            return;
        };
        let Some(fname) = function.child_by_field_name("name") else {
            return;
        };
        for decorator in named_children(node).filter(|c| c.kind() == "decorator") {
            let Some(inner) = named_children(decorator).next() else {
                continue;
            };
            let (callee, call) = match inner.kind() {
                "call" => {
                    let call = self.call(inner);
                    (call.callee.clone(), call)
                }
                "identifier" | "attribute" => {
                    let call = Call {
                        callee: Some(self.text(inner).to_owned()),
                        callee_span: span(inner),
                        args: Vec::new(),
                        kwargs: Vec::new(),
                        splat: false,
                    };
                    (call.callee.clone(), call)
                }
                _ => continue,
            };
            if callee.is_some_and(|c| is_dag_decorator(&self.module.qualify(&c))) {
                let function = (self.text(fname).to_owned(), span(fname));
                self.module.dags.push(DagDef {
                    kind: DagKind::Decorator { function },
                    span: span(decorator),
                    call,
                });
            }
        }
    }

    fn call(&self, node: Node<'_>) -> Call {
        let function = node.child_by_field_name("function");
        let callee = function
            .filter(|f| is_dotted(*f))
            .map(|f| self.text(f).to_owned());
        let mut call = Call {
            callee,
            callee_span: function.map_or(span(node), span),
            args: Vec::new(),
            kwargs: Vec::new(),
            splat: false,
        };
        let Some(arguments) = node.child_by_field_name("arguments") else {
            return call;
        };
        for arg in named_children(arguments) {
            match arg.kind() {
                "keyword_argument" => {
                    if let (Some(name), Some(value)) = (
                        arg.child_by_field_name("name"),
                        arg.child_by_field_name("value"),
                    ) {
                        call.kwargs.push(Keyword {
                            name: self.text(name).to_owned(),
                            name_span: span(name),
                            value: self.expr(value),
                        });
                    }
                }
                "dictionary_splat" => call.splat = true,
                "comment" => {}
                _ => call.args.push(self.expr(arg)),
            }
        }
        call
    }

    fn expr(&self, node: Node<'_>) -> Expr {
        let kind = match node.kind() {
            "string" => self.string(node).map_or(ExprKind::Other, ExprKind::Str),
            "none" => ExprKind::None,
            "list" | "tuple" | "set" => ExprKind::Seq(
                named_children(node)
                    .filter(|c| c.kind() != "comment")
                    .map(|c| self.expr(c))
                    .collect(),
            ),
            "dictionary" => ExprKind::Dict(
                named_children(node)
                    .filter(|c| c.kind() == "pair")
                    .filter_map(|pair| {
                        let key = pair.child_by_field_name("key")?;
                        let value = pair.child_by_field_name("value")?;
                        let key = if key.kind() == "string" {
                            self.string(key)
                        } else {
                            None
                        };
                        Some((key, self.expr(value)))
                    })
                    .collect(),
            ),
            "call" => ExprKind::Call(self.call(node)),
            "identifier" | "attribute" if is_dotted(node) => {
                ExprKind::Name(self.text(node).to_owned())
            }
            "binary_operator" => {
                let op = node.child_by_field_name("operator").map(|o| self.text(o));
                match (
                    op,
                    node.child_by_field_name("left"),
                    node.child_by_field_name("right"),
                ) {
                    (Some("|" | "&"), Some(l), Some(r)) => {
                        ExprKind::Combine(Box::new(self.expr(l)), Box::new(self.expr(r)))
                    }
                    _ => ExprKind::Other,
                }
            }
            "parenthesized_expression" => {
                return named_children(node).find(|c| c.kind() != "comment").map_or(
                    Expr {
                        kind: ExprKind::Other,
                        span: span(node),
                    },
                    |c| self.expr(c),
                );
            }
            _ => ExprKind::Other,
        };
        Expr {
            kind,
            span: span(node),
        }
    }

    /// The value of a plain string literal: no f-string interpolation, no bytes.
    fn string(&self, node: Node<'_>) -> Option<String> {
        let mut value = String::new();
        for child in named_children(node) {
            match child.kind() {
                "string_start" => {
                    let prefix = self
                        .text(child)
                        .trim_end_matches(['"', '\''])
                        .to_ascii_lowercase();
                    if prefix.contains('b') || prefix.contains('f') || prefix.contains('t') {
                        return None;
                    }
                }
                "string_content" => value.push_str(self.text(child)),
                "string_end" => {}
                _ => return None,
            }
        }
        Some(value)
    }
}

fn is_dotted(node: Node<'_>) -> bool {
    match node.kind() {
        "identifier" => true,
        "attribute" => node.child_by_field_name("object").is_some_and(is_dotted),
        _ => false,
    }
}

/// `DAG`, `airflow.DAG`, `airflow.sdk.DAG`, `airflow.models.dag.DAG`: the DAG class.
fn is_dag_class(qualified: &str) -> bool {
    qualified == "DAG" || (qualified.starts_with("airflow.") && qualified.ends_with(".DAG"))
}

/// `dag`, `airflow.decorators.dag`, `airflow.sdk.dag`: the DAG decorator.
fn is_dag_decorator(qualified: &str) -> bool {
    qualified == "dag" || (qualified.starts_with("airflow.") && qualified.ends_with(".dag"))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parsed(text: &str) -> Module {
        parse(text).unwrap()
    }

    #[test]
    fn finds_dags_in_every_spelling() {
        let m = parsed(
            "from airflow import DAG as D\nimport airflow.sdk as sdk\nfrom airflow.sdk import dag\n\
             with D('a') as d:\n    pass\nx = sdk.DAG(dag_id='b')\n@dag(dag_id='c')\ndef f():\n    pass\n@dag\ndef g():\n    pass\n",
        );
        let ids: Vec<String> = m
            .dags
            .iter()
            .map(
                |d| match (&d.kind, d.call.args.first(), d.call.kwarg("dag_id")) {
                    (_, _, Some(k)) => format!("{:?}", k.value.kind),
                    (_, Some(a), None) => format!("{:?}", a.kind),
                    (DagKind::Decorator { function }, None, None) => function.0.clone(),
                    (DagKind::Class, None, None) => "?".into(),
                },
            )
            .collect();
        assert_eq!(ids, ["Str(\"a\")", "Str(\"b\")", "Str(\"c\")", "g"]);
    }

    #[test]
    fn a_call_that_is_not_airflow_is_not_a_dag() {
        let m = parsed("from mylib import DAG\nDAG('x')\n@other\ndef dag():\n    pass\n");
        assert!(m.dags.is_empty());
    }

    #[test]
    fn imports_and_assignments_are_recorded() {
        let m = parsed(
            "import os.path\nfrom airflow.operators.bash import BashOperator as B\nargs = {'owner': 'me'}\n",
        );
        assert_eq!(m.imports.len(), 2);
        assert_eq!(m.imports[1].module, "airflow.operators.bash");
        assert_eq!(m.qualify("B"), "airflow.operators.bash.BashOperator");
        assert!(matches!(m.assignments["args"].kind, ExprKind::Dict(_)));
    }

    #[test]
    fn f_strings_are_not_literals_and_syntax_errors_are_found() {
        let m = parsed("from airflow import DAG\nDAG(f'x{1}')\n");
        assert_eq!(m.dags[0].call.args[0].kind, ExprKind::Other);
        assert!(parsed("def f(:\n").syntax_error.is_some());
        assert!(parsed("x = 1\n").syntax_error.is_none());
    }
}
