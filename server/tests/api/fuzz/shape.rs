//! The shape of a server function's arguments, read from their own `Deserialize` implementation:
//! each field and its type (an integer and its range, text, yes/no, one of some names, a list, a
//! nested record, optional), so the fuzzer makes values of the right type and of every wrong one
//! without a hand-written schema. (`serde-reflection` does the same for most types but refuses
//! `deserialize_any`, which the form lists of ticked boxes use.)

use std::fmt;

use serde::de::value::StrDeserializer;
use serde::de::{
    self, DeserializeOwned, DeserializeSeed, Deserializer, EnumAccess, IntoDeserializer, MapAccess,
    SeqAccess, VariantAccess, Visitor,
};

/// What one argument (or part of one) is, as its reader expects it.
#[derive(Clone, Debug, PartialEq)]
pub enum Shape {
    /// Not reached while tracing (e.g. the value of a map).
    Unknown,
    Bool,
    /// An integer of a width: its smallest and largest value.
    Int {
        min: i128,
        max: i128,
    },
    Float,
    Text,
    Char,
    Unit,
    Optional(Box<Shape>),
    List(Box<Shape>),
    Map,
    Record(Vec<(&'static str, Shape)>),
    /// One of these names (an enum of unit variants, as forms send them).
    OneOf(Vec<&'static str>),
    /// Read by the value's own rules (`deserialize_any`): text or a list of ticked boxes.
    Any,
}

/// The shape of `T`'s arguments; panics if `T` cannot be traced.
pub fn shape_of<T: DeserializeOwned>() -> Shape {
    let mut shape = Shape::Unknown;
    T::deserialize(Tracer { out: &mut shape })
        .unwrap_or_else(|e| panic!("cannot trace {}: {e}", std::any::type_name::<T>()));
    shape
}

#[derive(Debug)]
pub struct TraceError(String);

impl fmt::Display for TraceError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

impl std::error::Error for TraceError {}

impl de::Error for TraceError {
    fn custom<T: fmt::Display>(message: T) -> Self {
        TraceError(message.to_string())
    }
}

/// A deserializer that writes down what it is asked for and answers with a plausible value.
struct Tracer<'a> {
    out: &'a mut Shape,
}

macro_rules! integers {
    ($($method:ident => $visit:ident: $ty:ty),* $(,)?) => {
        $(
            fn $method<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, TraceError> {
                *self.out = Shape::Int { min: <$ty>::MIN as i128, max: <$ty>::MAX as i128 };
                visitor.$visit(1)
            }
        )*
    };
}

impl<'de> Deserializer<'de> for Tracer<'_> {
    type Error = TraceError;

    integers!(
        deserialize_i8 => visit_i8: i8,
        deserialize_i16 => visit_i16: i16,
        deserialize_i32 => visit_i32: i32,
        deserialize_i64 => visit_i64: i64,
        deserialize_u8 => visit_u8: u8,
        deserialize_u16 => visit_u16: u16,
        deserialize_u32 => visit_u32: u32,
        deserialize_u64 => visit_u64: u64,
    );

    fn deserialize_any<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, TraceError> {
        *self.out = Shape::Any;
        visitor.visit_str("1")
    }

    fn deserialize_bool<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, TraceError> {
        *self.out = Shape::Bool;
        visitor.visit_bool(false)
    }

    fn deserialize_f32<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, TraceError> {
        *self.out = Shape::Float;
        visitor.visit_f32(1.0)
    }

    fn deserialize_f64<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, TraceError> {
        *self.out = Shape::Float;
        visitor.visit_f64(1.0)
    }

    fn deserialize_char<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, TraceError> {
        *self.out = Shape::Char;
        visitor.visit_char('x')
    }

    fn deserialize_str<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, TraceError> {
        *self.out = Shape::Text;
        visitor.visit_str("")
    }

    fn deserialize_string<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, TraceError> {
        self.deserialize_str(visitor)
    }

    fn deserialize_bytes<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, TraceError> {
        *self.out = Shape::Text;
        visitor.visit_bytes(b"")
    }

    fn deserialize_byte_buf<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, TraceError> {
        self.deserialize_bytes(visitor)
    }

    fn deserialize_option<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, TraceError> {
        let mut inner = Shape::Unknown;
        let value = visitor.visit_some(Tracer { out: &mut inner });
        *self.out = Shape::Optional(Box::new(inner));
        value
    }

    fn deserialize_unit<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, TraceError> {
        *self.out = Shape::Unit;
        visitor.visit_unit()
    }

    fn deserialize_unit_struct<V: Visitor<'de>>(
        self,
        _name: &'static str,
        visitor: V,
    ) -> Result<V::Value, TraceError> {
        self.deserialize_unit(visitor)
    }

    fn deserialize_newtype_struct<V: Visitor<'de>>(
        self,
        _name: &'static str,
        visitor: V,
    ) -> Result<V::Value, TraceError> {
        visitor.visit_newtype_struct(self)
    }

    fn deserialize_seq<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, TraceError> {
        let mut inner = Shape::Unknown;
        let value = visitor.visit_seq(OneElement {
            out: Some(&mut inner),
        });
        *self.out = Shape::List(Box::new(inner));
        value
    }

    fn deserialize_tuple<V: Visitor<'de>>(
        self,
        _len: usize,
        visitor: V,
    ) -> Result<V::Value, TraceError> {
        self.deserialize_seq(visitor)
    }

    fn deserialize_tuple_struct<V: Visitor<'de>>(
        self,
        _name: &'static str,
        _len: usize,
        visitor: V,
    ) -> Result<V::Value, TraceError> {
        self.deserialize_seq(visitor)
    }

    fn deserialize_map<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, TraceError> {
        *self.out = Shape::Map;
        visitor.visit_map(Fields {
            fields: &mut [],
            next: 0,
        })
    }

    fn deserialize_struct<V: Visitor<'de>>(
        self,
        _name: &'static str,
        fields: &'static [&'static str],
        visitor: V,
    ) -> Result<V::Value, TraceError> {
        let mut traced: Vec<(&'static str, Shape)> =
            fields.iter().map(|name| (*name, Shape::Unknown)).collect();
        let value = visitor.visit_map(Fields {
            fields: &mut traced,
            next: 0,
        });
        *self.out = Shape::Record(traced);
        value
    }

    fn deserialize_enum<V: Visitor<'de>>(
        self,
        name: &'static str,
        variants: &'static [&'static str],
        visitor: V,
    ) -> Result<V::Value, TraceError> {
        let first = *variants
            .first()
            .ok_or_else(|| TraceError(format!("the enum {name} has no variant")))?;
        *self.out = Shape::OneOf(variants.to_vec());
        visitor.visit_enum(UnitVariant(first))
    }

    fn deserialize_identifier<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, TraceError> {
        visitor.visit_str("")
    }

    fn deserialize_ignored_any<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, TraceError> {
        visitor.visit_unit()
    }
}

/// A list of one traced element.
struct OneElement<'a> {
    out: Option<&'a mut Shape>,
}

impl<'de> SeqAccess<'de> for OneElement<'_> {
    type Error = TraceError;

    fn next_element_seed<T: DeserializeSeed<'de>>(
        &mut self,
        seed: T,
    ) -> Result<Option<T::Value>, TraceError> {
        match self.out.take() {
            Some(out) => seed.deserialize(Tracer { out }).map(Some),
            None => Ok(None),
        }
    }
}

/// A record's fields, each present once and traced.
struct Fields<'a> {
    fields: &'a mut [(&'static str, Shape)],
    next: usize,
}

impl<'de> MapAccess<'de> for Fields<'_> {
    type Error = TraceError;

    fn next_key_seed<K: DeserializeSeed<'de>>(
        &mut self,
        seed: K,
    ) -> Result<Option<K::Value>, TraceError> {
        let Some((name, _)) = self.fields.get(self.next) else {
            return Ok(None);
        };
        let key: StrDeserializer<'_, TraceError> = name.into_deserializer();
        seed.deserialize(key).map(Some)
    }

    fn next_value_seed<V: DeserializeSeed<'de>>(
        &mut self,
        seed: V,
    ) -> Result<V::Value, TraceError> {
        let (_, out) = &mut self.fields[self.next];
        self.next += 1;
        seed.deserialize(Tracer { out })
    }
}

/// The first variant of an enum, as a unit variant.
struct UnitVariant(&'static str);

impl<'de> EnumAccess<'de> for UnitVariant {
    type Error = TraceError;
    type Variant = Self;

    fn variant_seed<V: DeserializeSeed<'de>>(
        self,
        seed: V,
    ) -> Result<(V::Value, Self), TraceError> {
        let name: StrDeserializer<'_, TraceError> = self.0.into_deserializer();
        Ok((seed.deserialize(name)?, self))
    }
}

impl<'de> VariantAccess<'de> for UnitVariant {
    type Error = TraceError;

    fn unit_variant(self) -> Result<(), TraceError> {
        Ok(())
    }

    fn newtype_variant_seed<T: DeserializeSeed<'de>>(
        self,
        _seed: T,
    ) -> Result<T::Value, TraceError> {
        Err(TraceError(format!("{} is not a unit variant", self.0)))
    }

    fn tuple_variant<V: Visitor<'de>>(
        self,
        _len: usize,
        _visitor: V,
    ) -> Result<V::Value, TraceError> {
        Err(TraceError(format!("{} is not a unit variant", self.0)))
    }

    fn struct_variant<V: Visitor<'de>>(
        self,
        _fields: &'static [&'static str],
        _visitor: V,
    ) -> Result<V::Value, TraceError> {
        Err(TraceError(format!("{} is not a unit variant", self.0)))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[derive(serde::Deserialize)]
    #[allow(dead_code)]
    struct Form {
        id: i32,
        name: Option<String>,
        kind: Kind,
        tags: Vec<String>,
        inner: Inner,
    }

    #[derive(serde::Deserialize)]
    #[allow(dead_code)]
    enum Kind {
        Fix,
        Test,
    }

    #[derive(serde::Deserialize)]
    #[allow(dead_code)]
    struct Inner {
        on: bool,
    }

    #[test]
    fn a_form_is_traced_field_by_field() {
        assert_eq!(
            shape_of::<Form>(),
            Shape::Record(vec![
                (
                    "id",
                    Shape::Int {
                        min: i32::MIN as i128,
                        max: i32::MAX as i128
                    }
                ),
                ("name", Shape::Optional(Box::new(Shape::Text))),
                ("kind", Shape::OneOf(vec!["Fix", "Test"])),
                ("tags", Shape::List(Box::new(Shape::Text))),
                ("inner", Shape::Record(vec![("on", Shape::Bool)])),
            ])
        );
    }
}
