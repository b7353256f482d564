//! Change control: the policy that decides a proposed deploy (Rego, evaluated in-process).

pub mod policy;
