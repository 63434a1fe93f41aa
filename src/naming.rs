//! Argo CD compatible branch naming.
