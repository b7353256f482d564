//! The `choice!` macro: enums of stored choices, each with a stored key and a label for people.
//! With the `storage` feature (the server's) each is also a sea-orm active enum stored as its key,
//! so an entity's column holds the enum itself and a key this version does not know is an error
//! when the row is read, never a silent default.

/// An enum of stored choices: each variant has a stored key and a label for people.
macro_rules! choice {
    ($(#[$meta:meta])* $name:ident { $($variant:ident => ($key:literal, $label:literal)),+ $(,)? }) => {
        $(#[$meta])*
        #[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
        #[cfg_attr(feature = "storage", derive(sea_orm::EnumIter, sea_orm::DeriveActiveEnum))]
        #[cfg_attr(
            feature = "storage",
            sea_orm(rs_type = "String", db_type = "String(sea_orm::sea_query::StringLen::None)")
        )]
        pub enum $name { $(#[cfg_attr(feature = "storage", sea_orm(string_value = $key))] $variant),+ }

        impl $name {
            pub const ALL: &'static [$name] = &[$($name::$variant),+];

            /// The stored key.
            pub fn as_str(self) -> &'static str {
                match self { $($name::$variant => $key),+ }
            }

            /// The name shown to people.
            pub fn label(self) -> &'static str {
                match self { $($name::$variant => $label),+ }
            }

            /// Parses a stored key.
            pub fn parse(input: &str) -> Option<Self> {
                Self::ALL.iter().copied().find(|v| v.as_str() == input.trim())
            }
        }

        impl std::fmt::Display for $name {
            fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                f.write_str(self.label())
            }
        }
    };
}
