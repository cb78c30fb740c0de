//! What the validation pass needs to know of the sandbox's own schema: each type's fields with
//! their types and arguments, and each input object's fields. Read once from the schema's SDL;
//! it never decides anything.

use std::collections::HashMap;

use async_graphql::parser::types::{
    BaseType, InputValueDefinition, Type, TypeKind, TypeSystemDefinition,
};

/// One argument or input field.
pub(crate) struct InputInfo {
    pub(crate) name: String,
    pub(crate) ty: Type,
    pub(crate) has_default: bool,
}

impl InputInfo {
    /// Non-null without a default: a document must give it.
    pub(crate) fn is_required(&self) -> bool {
        !self.ty.nullable && !self.has_default
    }
}

pub(crate) struct FieldInfo {
    pub(crate) ty: Type,
    pub(crate) args: Vec<InputInfo>,
}

pub(crate) enum TypeInfo {
    /// Objects and interfaces, fields in schema order.
    Output(Vec<(String, FieldInfo)>),
    Input(Vec<InputInfo>),
    /// Unions: only `__typename` can be selected without a fragment.
    Union,
    /// Scalars and enums.
    Leaf,
}

#[derive(Default)]
pub(crate) struct SchemaIndex {
    types: HashMap<String, TypeInfo>,
}

fn input_info(definition: &InputValueDefinition) -> InputInfo {
    InputInfo {
        name: definition.name.node.to_string(),
        ty: definition.ty.node.clone(),
        has_default: definition.default_value.is_some(),
    }
}

impl SchemaIndex {
    /// The index of an SDL document; an SDL that does not parse gives an empty index, which
    /// checks nothing (async-graphql's own validation still runs).
    pub(crate) fn from_sdl(sdl: &str) -> SchemaIndex {
        let Ok(document) = async_graphql::parser::parse_schema(sdl) else {
            return SchemaIndex::default();
        };
        let mut types = HashMap::new();
        for definition in &document.definitions {
            let TypeSystemDefinition::Type(ty) = definition else {
                continue;
            };
            let fields = match &ty.node.kind {
                TypeKind::Object(object) => Some(&object.fields),
                TypeKind::Interface(interface) => Some(&interface.fields),
                _ => None,
            };
            let info = match (&ty.node.kind, fields) {
                (_, Some(fields)) => TypeInfo::Output(
                    fields
                        .iter()
                        .map(|field| {
                            let info = FieldInfo {
                                ty: field.node.ty.node.clone(),
                                args: field
                                    .node
                                    .arguments
                                    .iter()
                                    .map(|a| input_info(&a.node))
                                    .collect(),
                            };
                            (field.node.name.node.to_string(), info)
                        })
                        .collect(),
                ),
                (TypeKind::InputObject(input), _) => {
                    TypeInfo::Input(input.fields.iter().map(|f| input_info(&f.node)).collect())
                }
                (TypeKind::Union(_), _) => TypeInfo::Union,
                _ => TypeInfo::Leaf,
            };
            types.insert(ty.node.name.node.to_string(), info);
        }
        SchemaIndex { types }
    }

    pub(crate) fn get(&self, name: &str) -> Option<&TypeInfo> {
        self.types.get(name)
    }

    /// The field `name` of the object or interface `type_name`.
    pub(crate) fn field(&self, type_name: &str, name: &str) -> Option<&FieldInfo> {
        match self.types.get(type_name)? {
            TypeInfo::Output(fields) => fields.iter().find(|(n, _)| n == name).map(|(_, f)| f),
            _ => None,
        }
    }

    /// The fields of the input object `type_name`, if it is one.
    pub(crate) fn input_fields(&self, type_name: &str) -> Option<&[InputInfo]> {
        match self.types.get(type_name)? {
            TypeInfo::Input(fields) => Some(fields),
            _ => None,
        }
    }
}

/// The named type under any list and non-null wrapping.
pub(crate) fn named(ty: &Type) -> &str {
    match &ty.base {
        BaseType::Named(name) => name.as_str(),
        BaseType::List(inner) => named(inner),
    }
}
