//! Which files are s.yaml files (D6), as one rule for `sdls check`, the language server and its
//! workspace check: `s.yaml`, `s.yml`, `s-*.yaml`, `s-*.yml`, or any YAML whose top level has
//! `edition` with `resources` or `services`.

/// Whether a file name alone makes a file an s.yaml.
pub fn is_s_yaml_name(name: &str) -> bool {
    name == "s.yaml"
        || name == "s.yml"
        || (name.starts_with("s-") && (name.ends_with(".yaml") || name.ends_with(".yml")))
}

/// Whether a YAML text has `edition` with `resources` or `services` among its top-level keys.
/// Looks at column-0 keys only, without parsing: cheap enough for every keystroke.
pub fn has_s_yaml_top_level(text: &str) -> bool {
    let mut edition = false;
    let mut body = false;
    for line in text.lines() {
        if line.starts_with(|c: char| c.is_whitespace() || c == '#' || c == '-') {
            continue;
        }
        let key = line.split(':').next().unwrap_or_default().trim_end();
        match key.trim_matches(|c| c == '"' || c == '\'') {
            "edition" => edition = true,
            "resources" | "services" => body = true,
            _ => {}
        }
        if edition && body {
            return true;
        }
    }
    false
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names() {
        for yes in ["s.yaml", "s.yml", "s-prod.yaml", "s-prod.yml"] {
            assert!(is_s_yaml_name(yes), "{yes}");
        }
        for no in ["sx.yaml", "docker-compose.yml", "s-prod.json", "app.yaml"] {
            assert!(!is_s_yaml_name(no), "{no}");
        }
    }

    #[test]
    fn top_level() {
        assert!(has_s_yaml_top_level(
            "# c\nedition: 3.0.0\nresources:\n  a: {}\n"
        ));
        assert!(has_s_yaml_top_level(
            "\"edition\": 1.0.0\nservices:\n  a: {}\n"
        ));
        assert!(!has_s_yaml_top_level("services:\n  a: {}\n"));
        assert!(!has_s_yaml_top_level(
            "x:\n  edition: 3.0.0\n  resources: {}\n"
        ));
    }
}
