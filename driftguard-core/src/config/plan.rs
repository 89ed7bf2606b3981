//! The capture plan: every surface resolved with the environment, as JSON, for the
//! bindings' `approve` and `check` (one shape, so Python and Node capture alike).

use serde_json::{Map, Value, json};

use super::{Config, ResolvedSource, Source, SurfaceConfig};

impl Config {
    /// The capture plan of `driftguard approve`/`check`: `{"surfaces": [...], "secrets":
    /// [...], "policy_files": [...]}`. Each surface has `name`, `kind` (`file`, `url`,
    /// `mcp_stdio`, `mcp_http`, `endpoint`, `package`), `timeout` (seconds) and, when
    /// every variable it uses is set, `headers` (`[[name, value]]`, secret values) and by
    /// kind `path`, `url`, `command`, `env` (`[[name, value]]`), `cwd`, `samples`,
    /// `sample_interval_ms`; for `package`: `package` (the canonical spec, e.g.
    /// `npm:postmark-mcp@latest`), `ecosystem` (`npm`/`pypi`), `package_name`, `version`
    /// (range, exact version or `latest`), `registry` (a URL from the MCP command line,
    /// or null) and, for the companion of an `mcp_stdio` surface, `of` (its name) with
    /// that surface's `env` and `cwd`; else `error: {code: "E_ENV", message}`. `secrets` is
    /// [`Config::secret_values`]. The plan holds secrets: the binding never prints it.
    pub fn capture_plan(&self, lookup: &dyn Fn(&str) -> Option<String>) -> Value {
        let surfaces: Vec<Value> = self
            .surfaces
            .iter()
            .map(|s| plan_surface(self, s, lookup))
            .collect();
        json!({
            "surfaces": surfaces,
            "secrets": self.secret_values(lookup),
            "policy_files": self.policy_files(),
        })
    }
}

fn pairs(v: &[(String, String)]) -> Value {
    Value::Array(v.iter().map(|(k, v)| json!([k, v])).collect())
}

fn plan_surface(
    config: &Config,
    s: &SurfaceConfig,
    lookup: &dyn Fn(&str) -> Option<String>,
) -> Value {
    let mut m = Map::new();
    m.insert("name".into(), Value::String(s.name.clone()));
    m.insert("kind".into(), Value::String(s.source.key().to_owned()));
    m.insert("timeout".into(), json!(s.timeout.as_secs_f64()));
    // A companion package surface resolves with its MCP surface's environment and
    // working directory (`npm_config_registry`, `.npmrc`, `PIP_INDEX_URL`…).
    let parent = match &s.source {
        Source::Package { of: Some(of), .. } => config.surface(of),
        _ => None,
    };
    let resolved = match parent {
        Some(p) => p.resolve(lookup).and_then(|p| {
            let own = s.resolve(lookup)?;
            if let ResolvedSource::McpStdio { env, cwd, .. } = p.source {
                m.insert("of".into(), Value::String(p.name));
                m.insert("env".into(), pairs(&env));
                m.insert("cwd".into(), json!(cwd));
            }
            Ok(own)
        }),
        None => s.resolve(lookup),
    };
    match resolved {
        Err(e) => {
            m.insert(
                "error".into(),
                json!({ "code": e.code(), "message": e.to_string() }),
            );
        }
        Ok(r) => {
            m.insert("headers".into(), pairs(&r.headers));
            match r.source {
                ResolvedSource::File { path } => {
                    m.insert("path".into(), Value::String(path));
                }
                ResolvedSource::Url { url } | ResolvedSource::McpHttp { url } => {
                    m.insert("url".into(), Value::String(url));
                }
                ResolvedSource::McpStdio { command, env, cwd } => {
                    m.insert("command".into(), json!(command));
                    m.insert("env".into(), pairs(&env));
                    m.insert("cwd".into(), json!(cwd));
                }
                ResolvedSource::Endpoint {
                    url,
                    samples,
                    sample_interval,
                } => {
                    m.insert("url".into(), Value::String(url));
                    m.insert("samples".into(), json!(samples));
                    let ms = u64::try_from(sample_interval.as_millis()).unwrap_or(u64::MAX);
                    m.insert("sample_interval_ms".into(), json!(ms));
                }
                ResolvedSource::Package { spec, registry } => {
                    m.insert("package".into(), Value::String(spec.to_string()));
                    m.insert("ecosystem".into(), json!(spec.ecosystem.name()));
                    m.insert("package_name".into(), Value::String(spec.name));
                    m.insert("version".into(), Value::String(spec.version));
                    m.insert("registry".into(), json!(registry));
                }
            }
        }
    }
    Value::Object(m)
}

#[cfg(test)]
mod tests {
    use super::Config;

    #[test]
    fn plan_resolves_and_reports_unset_variables() {
        let c = Config::parse(
            "[[surface]]\nname = \"a\"\nurl = \"http://h/x\"\nheaders = { A = \"Bearer ${T}\" }\n\n[[surface]]\nname = \"b\"\nfile = \"x.json\"\n",
        )
        .unwrap();
        let set = c.capture_plan(&|v| (v == "T").then(|| "tok-9".to_owned()));
        assert_eq!(set["surfaces"][0]["headers"][0][1], "Bearer tok-9");
        assert_eq!(set["surfaces"][0]["url"], "http://h/x");
        assert_eq!(set["surfaces"][1]["path"], "x.json");
        assert_eq!(set["secrets"], serde_json::json!(["Bearer tok-9", "tok-9"]));
        let unset = c.capture_plan(&|_| None);
        assert_eq!(unset["surfaces"][0]["error"]["code"], "E_ENV");
        assert!(unset["surfaces"][1].get("error").is_none());
    }
}
