//! Secrets named inside the chart values a spec passes through (`helm.values`): a pull Secret
//! for a private registry (`registry.secretName`, `imagePullSecrets`), `secretKeyRef`s in extra
//! environment variables, `secretRef`s in `envFrom`, secret volumes. The inventory lists them
//! beside the Secrets platc names itself, so PREREQUISITES.md and a preview's ExternalSecrets
//! cover every Secret a pod reads.
//!
//! Some chart keys hold YAML as a string that the chart renders through `tpl` (`extraEnv`,
//! `extraEnvFrom`, `extraVolumes` in places): such a string is parsed and searched too, one
//! level deep. A string that is not YAML, or holds template actions, is left alone.

use std::collections::BTreeMap;

use indexmap::IndexMap;
use serde_json::Value;

/// The key a registry pull Secret holds (`kubernetes.io/dockerconfigjson`).
pub const DOCKER_CONFIG_KEY: &str = ".dockerconfigjson";

/// What pods read from the Secrets `values` name.
#[derive(Debug, Default, Clone, PartialEq, Eq)]
pub struct Reads {
    /// Secret → keys read one by one.
    pub keys: BTreeMap<String, Vec<String>>,
    /// Secrets read whole (`envFrom`, a volume without `items`): every key they hold.
    pub whole: Vec<String>,
}

impl Reads {
    fn key(&mut self, secret: &str, key: &str) {
        let keys = self.keys.entry(secret.to_owned()).or_default();
        if !keys.iter().any(|k| k == key) {
            keys.push(key.to_owned());
        }
    }

    fn whole(&mut self, secret: &str) {
        if !self.whole.iter().any(|s| s == secret) {
            self.whole.push(secret.to_owned());
        }
    }
}

/// The Secrets the passthrough `values` make pods read.
pub fn in_chart_values(values: &IndexMap<String, Value>) -> Reads {
    let mut reads = Reads::default();
    if let Some(Value::String(pull)) = values.get("registry").and_then(|r| r.get("secretName")) {
        reads.key(pull, DOCKER_CONFIG_KEY);
    }
    for value in values.values() {
        walk(value, &mut reads, true);
    }
    reads
}

fn walk(node: &Value, reads: &mut Reads, parse_strings: bool) {
    match node {
        Value::Object(map) => {
            if let Some(r) = map.get("secretKeyRef")
                && let (Some(name), Some(key)) = (
                    r.get("name").and_then(Value::as_str),
                    r.get("key").and_then(Value::as_str),
                )
            {
                reads.key(name, key);
            }
            if let Some(name) = map
                .get("secretRef")
                .and_then(|r| r.get("name"))
                .and_then(Value::as_str)
            {
                reads.whole(name);
            }
            if let Some(Value::Object(volume)) = map.get("secret")
                && let Some(name) = volume
                    .get("secretName")
                    .or_else(|| volume.get("name"))
                    .and_then(Value::as_str)
            {
                match volume.get("items").and_then(Value::as_array) {
                    Some(items) => items
                        .iter()
                        .filter_map(|i| i.get("key").and_then(Value::as_str))
                        .for_each(|key| reads.key(name, key)),
                    None => reads.whole(name),
                }
            }
            if let Some(Value::Array(pulls)) = map.get("imagePullSecrets") {
                for pull in pulls {
                    if let Some(name) = pull
                        .as_str()
                        .or_else(|| pull.get("name").and_then(Value::as_str))
                    {
                        reads.key(name, DOCKER_CONFIG_KEY);
                    }
                }
            }
            for value in map.values() {
                walk(value, reads, parse_strings);
            }
        }
        Value::Array(items) => items.iter().for_each(|v| walk(v, reads, parse_strings)),
        Value::String(text) if parse_strings && !text.contains("{{") && text.contains(':') => {
            if let Ok(doc) = crate::load::load_str("helm.values", text.clone()) {
                walk(&doc.value, reads, false);
            }
        }
        _ => {}
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn values(v: Value) -> IndexMap<String, Value> {
        serde_json::from_value(v).expect("object")
    }

    #[test]
    fn finds_pull_secrets_key_refs_env_from_and_volumes() {
        let reads = in_chart_values(&values(json!({
            "registry": {"secretName": "regcred"},
            "workers": {"kubernetes": {
                "extraVolumes": [
                    {"name": "certs", "secret": {"secretName": "team-certs"}},
                    {"name": "one", "secret": {"secretName": "team-one", "items": [{"key": "ca.crt", "path": "ca.crt"}]}},
                ],
            }},
            "env": [{"name": "X", "valueFrom": {"secretKeyRef": {"name": "team-api", "key": "token"}}}],
            "extraEnvFrom": "- secretRef:\n    name: team-extra\n",
            "extraEnv": "- name: Y\n  value: '{{ .Release.Name }}'\n",
            "scheduler": {"imagePullSecrets": [{"name": "other-pull"}]},
        })));
        assert_eq!(
            reads.keys,
            BTreeMap::from([
                ("other-pull".to_owned(), vec![DOCKER_CONFIG_KEY.to_owned()]),
                ("regcred".to_owned(), vec![DOCKER_CONFIG_KEY.to_owned()]),
                ("team-api".to_owned(), vec!["token".to_owned()]),
                ("team-one".to_owned(), vec!["ca.crt".to_owned()]),
            ])
        );
        assert_eq!(reads.whole, ["team-certs", "team-extra"]);
    }

    #[test]
    fn plain_strings_and_templates_name_nothing() {
        let reads = in_chart_values(&values(json!({
            "cleanup": {"schedule": "*/30 * * * *"},
            "extraEnv": "- name: Z\n  valueFrom:\n    secretKeyRef:\n      name: '{{ .Release.Name }}-x'\n      key: k\n",
            "labels": {"team": "data"},
        })));
        assert_eq!(reads, Reads::default());
    }
}
