//! The Go grammar's field ids, looked up once: `Node::child_by_field_name` compares the name
//! with each of the grammar's field names on every call, which cost a tenth of a whole-tree
//! check.

use std::num::NonZeroU16;
use std::sync::LazyLock;

/// A field id, as `Node::children_by_field_id` takes it.
pub type FieldId = NonZeroU16;

/// The ids of the fields the extraction reads.
pub struct FieldIds {
    pub arguments: FieldId,
    pub body: FieldId,
    pub field: FieldId,
    pub function: FieldId,
    pub key: FieldId,
    pub left: FieldId,
    pub name: FieldId,
    pub operand: FieldId,
    pub operator: FieldId,
    pub package: FieldId,
    pub parameters: FieldId,
    pub path: FieldId,
    pub receiver: FieldId,
    pub result: FieldId,
    pub right: FieldId,
    pub type_: FieldId,
    pub value: FieldId,
}

/// The field ids of the vendored grammar. A name the grammar lacks gets an id no child has (a
/// test checks every name is known).
pub static FIELD: LazyLock<FieldIds> = LazyLock::new(|| {
    let language: tree_sitter::Language = tree_sitter_go::LANGUAGE.into();
    let id = |name: &str| language.field_id_for_name(name).unwrap_or(NonZeroU16::MAX);
    FieldIds {
        arguments: id("arguments"),
        body: id("body"),
        field: id("field"),
        function: id("function"),
        key: id("key"),
        left: id("left"),
        name: id("name"),
        operand: id("operand"),
        operator: id("operator"),
        package: id("package"),
        parameters: id("parameters"),
        path: id("path"),
        receiver: id("receiver"),
        result: id("result"),
        right: id("right"),
        type_: id("type"),
        value: id("value"),
    }
});

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_field_the_extraction_reads_is_in_the_grammar() {
        let f = &*FIELD;
        for id in [
            f.arguments,
            f.body,
            f.field,
            f.function,
            f.key,
            f.left,
            f.name,
            f.operand,
            f.operator,
            f.package,
            f.parameters,
            f.path,
            f.receiver,
            f.result,
            f.right,
            f.type_,
            f.value,
        ] {
            assert_ne!(id, NonZeroU16::MAX);
        }
    }
}
