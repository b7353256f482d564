//! sea-orm entities: one file per table, mirroring the migrations.

pub mod service;
