//! Parses YAML text into a small tree of nodes that remember their position, reporting syntax
//! errors, duplicate keys, non-string keys, multiple documents and runaway nesting or alias
//! expansion. Knows nothing about the manifest's shape.

use std::collections::HashMap;

use yaml_rust2::parser::{Event, Parser};
use yaml_rust2::scanner::{Marker, TScalarStyle};

use super::diagnostics::{Position, Sink};

/// Deeper documents are rejected: the manifest never needs more than a handful of levels, and a
/// bound keeps every later walk over the tree safe from stack exhaustion.
const MAX_DEPTH: usize = 64;
/// Upper bound on nodes, aliases expanded included (guards against "billion laughs").
const MAX_NODES: usize = 200_000;

#[derive(Debug, Clone, PartialEq)]
pub struct Node {
    pub at: Position,
    pub value: Value,
}

#[derive(Debug, Clone, PartialEq)]
pub enum Value {
    /// A scalar's text; `plain` scalars are typed (null, bool, number), quoted ones are strings.
    Scalar {
        text: String,
        plain: bool,
    },
    Sequence(Vec<Node>),
    /// Entries in document order; keys are unique (duplicates are reported and dropped).
    Mapping(Vec<(Key, Node)>),
}

#[derive(Debug, Clone, PartialEq)]
pub struct Key {
    pub at: Position,
    pub name: String,
}

impl Node {
    pub fn is_null(&self) -> bool {
        matches!(&self.value, Value::Scalar { text, plain: true } if matches!(text.as_str(), "" | "~" | "null" | "Null" | "NULL"))
    }

    pub fn scalar_text(&self) -> Option<&str> {
        match &self.value {
            Value::Scalar { text, .. } => Some(text),
            _ => None,
        }
    }

    /// What kind of value this is, for "expected X, found Y" messages.
    pub fn kind_name(&self) -> &'static str {
        match &self.value {
            Value::Sequence(_) => "a list",
            Value::Mapping(_) => "a mapping",
            Value::Scalar { plain: false, .. } => "a string",
            Value::Scalar { text, plain: true } => {
                if self.is_null() {
                    "null"
                } else if matches!(
                    text.as_str(),
                    "true" | "false" | "True" | "False" | "TRUE" | "FALSE"
                ) {
                    "a boolean"
                } else if text.parse::<f64>().is_ok() {
                    "a number"
                } else {
                    "a string"
                }
            }
        }
    }
}

pub fn position(mark: &Marker) -> Position {
    Position {
        line: mark.line().max(1),
        column: mark.col() + 1,
    }
}

enum Frame {
    Sequence {
        at: Position,
        anchor: usize,
        items: Vec<Node>,
    },
    Mapping {
        at: Option<Position>,
        start: Position,
        anchor: usize,
        entries: Vec<(Key, Node)>,
        pending_key: Option<Option<Key>>,
    },
}

/// Parses `text` into its single document's root node. Returns `None` when the text is not usable
/// YAML (the reason is in `sink`); an empty document yields a null node.
pub fn parse(text: &str, sink: &mut Sink) -> Option<Node> {
    let mut builder = Builder {
        stack: Vec::new(),
        anchors: HashMap::new(),
        nodes: 0,
        root: None,
        documents: 0,
    };
    let mut parser = Parser::new_from_str(text);
    loop {
        match parser.next_token() {
            Ok((Event::StreamEnd, _)) => break,
            Ok((event, mark)) => {
                if let Err(Stop) = builder.on_event(event, position(&mark), sink) {
                    return None;
                }
            }
            Err(error) => {
                sink.error_with_hint(
                    position(error.marker()),
                    format!("YAML syntax error: {}", error.info()),
                    "check indentation (spaces only, no tabs), quoting and brackets around this position",
                );
                return None;
            }
        }
    }
    Some(builder.root.unwrap_or(Node {
        at: Position { line: 1, column: 1 },
        value: Value::Scalar {
            text: String::new(),
            plain: true,
        },
    }))
}

struct Stop;

struct Builder {
    stack: Vec<Frame>,
    anchors: HashMap<usize, Node>,
    nodes: usize,
    root: Option<Node>,
    documents: usize,
}

impl Builder {
    fn on_event(&mut self, event: Event, at: Position, sink: &mut Sink) -> Result<(), Stop> {
        match event {
            Event::DocumentStart => {
                self.documents += 1;
                if self.documents > 1 {
                    sink.error_with_hint(
                        at,
                        "a manifest holds exactly one YAML document",
                        "remove the second `---` document or move it into its own file",
                    );
                    return Err(Stop);
                }
            }
            Event::Scalar(text, style, anchor, _tag) => {
                let plain = style == TScalarStyle::Plain;
                self.push_node(
                    Node {
                        at,
                        value: Value::Scalar { text, plain },
                    },
                    anchor,
                    sink,
                )?;
            }
            Event::SequenceStart(anchor, _) => {
                self.open(at, sink)?;
                self.stack.push(Frame::Sequence {
                    at,
                    anchor,
                    items: Vec::new(),
                });
            }
            Event::MappingStart(anchor, _) => {
                self.open(at, sink)?;
                self.stack.push(Frame::Mapping {
                    at: None,
                    start: at,
                    anchor,
                    entries: Vec::new(),
                    pending_key: None,
                });
            }
            Event::SequenceEnd | Event::MappingEnd => self.close(sink)?,
            Event::Alias(id) => self.expand_alias(id, at, sink)?,
            Event::StreamStart | Event::StreamEnd | Event::DocumentEnd | Event::Nothing => {}
        }
        Ok(())
    }

    /// Ends the innermost sequence or mapping and places it in its parent.
    fn close(&mut self, sink: &mut Sink) -> Result<(), Stop> {
        let (node, anchor) = match self.stack.pop() {
            Some(Frame::Sequence { at, anchor, items }) => (
                Node {
                    at,
                    value: Value::Sequence(items),
                },
                anchor,
            ),
            Some(Frame::Mapping {
                at,
                start,
                anchor,
                entries,
                ..
            }) => (
                Node {
                    at: at.unwrap_or(start),
                    value: Value::Mapping(entries),
                },
                anchor,
            ),
            None => return Ok(()),
        };
        self.push_node(node, anchor, sink)
    }

    /// Places a copy of an anchored node, refusing aliases that would expand past the depth or
    /// size limits (the "billion laughs" shape).
    fn expand_alias(&mut self, id: usize, at: Position, sink: &mut Sink) -> Result<(), Stop> {
        let Some(target) = self.anchors.get(&id).cloned() else {
            sink.error(at, "alias refers to an unknown anchor");
            return Err(Stop);
        };
        if self.stack.len() + depth(&target) > MAX_DEPTH {
            sink.error(
                at,
                format!("nesting deeper than {MAX_DEPTH} levels once aliases are expanded"),
            );
            return Err(Stop);
        }
        self.nodes = self.nodes.saturating_add(count_nodes(&target));
        if self.nodes > MAX_NODES {
            sink.error(at, "document too large once aliases are expanded");
            return Err(Stop);
        }
        self.push_node(Node { at, ..target }, 0, sink)
    }

    fn open(&mut self, at: Position, sink: &mut Sink) -> Result<(), Stop> {
        if self.stack.len() >= MAX_DEPTH {
            sink.error(at, format!("nesting deeper than {MAX_DEPTH} levels"));
            return Err(Stop);
        }
        Ok(())
    }

    fn push_node(&mut self, node: Node, anchor: usize, sink: &mut Sink) -> Result<(), Stop> {
        self.nodes += 1;
        if self.nodes > MAX_NODES {
            sink.error(node.at, "document too large");
            return Err(Stop);
        }
        if anchor != 0 {
            self.anchors.insert(anchor, node.clone());
        }
        match self.stack.last_mut() {
            None => self.root = Some(node),
            Some(Frame::Sequence { items, .. }) => items.push(node),
            Some(Frame::Mapping {
                at,
                entries,
                pending_key,
                ..
            }) => match pending_key.take() {
                None => {
                    at.get_or_insert(node.at);
                    *pending_key = Some(mapping_key(node, entries, sink));
                }
                Some(None) => {}
                Some(Some(key)) => entries.push((key, node)),
            },
        }
        Ok(())
    }
}

/// Validates a mapping key; `None` means the entry is dropped (already reported).
fn mapping_key(node: Node, entries: &[(Key, Node)], sink: &mut Sink) -> Option<Key> {
    let Value::Scalar { text, .. } = node.value else {
        sink.error(node.at, "mapping keys must be plain strings");
        return None;
    };
    if let Some((first, _)) = entries.iter().find(|(key, _)| key.name == text) {
        sink.error_with_hint(
            node.at,
            format!("duplicate key `{text}`"),
            format!("first defined at line {}", first.at.line),
        );
        return None;
    }
    Some(Key {
        at: node.at,
        name: text,
    })
}

fn count_nodes(node: &Node) -> usize {
    match &node.value {
        Value::Scalar { .. } => 1,
        Value::Sequence(items) => 1 + items.iter().map(count_nodes).sum::<usize>(),
        Value::Mapping(entries) => {
            1 + entries
                .iter()
                .map(|(_, v)| 1 + count_nodes(v))
                .sum::<usize>()
        }
    }
}

fn depth(node: &Node) -> usize {
    match &node.value {
        Value::Scalar { .. } => 0,
        Value::Sequence(items) => 1 + items.iter().map(depth).max().unwrap_or(0),
        Value::Mapping(entries) => 1 + entries.iter().map(|(_, v)| depth(v)).max().unwrap_or(0),
    }
}
