//! Change control: the policy that decides a proposed deploy (Rego, evaluated in-process) and
//! the gate that records each reported change with its decision.

pub mod gate;
pub mod github;
pub mod policy;
pub mod records;
