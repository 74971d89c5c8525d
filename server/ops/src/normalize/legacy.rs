//! Legacy functions (edition 1.0.0/2.0.0, `component: fc`): the `props.service` +
//! `props.function` model mapped to FC 3.0's single function `service$function`
//! (serverless-devs.md §1.10, §2.2.4), and the legacy component's `.s/` state files read as a
//! baseline (§2.2.1).

use serde_json::{Map, Value as Json};

use crate::local::Dialect;

/// Maps legacy props to fc3-shaped props: `(functionName, dialect, props)`, or why not.
pub fn to_fc3(props: &Map<String, Json>) -> Result<(String, Dialect, Map<String, Json>), String> {
    let service = props
        .get("service")
        .and_then(|s| s.get("name"))
        .and_then(Json::as_str)
        .ok_or("it has no service.name")?;
    let function = props
        .get("function")
        .and_then(|f| f.get("name"))
        .and_then(Json::as_str)
        .ok_or("it has no function.name")?;
    let name = format!("{service}${function}");
    let mut out = Map::new();
    out.insert("functionName".into(), Json::String(name.clone()));
    Ok((
        name,
        Dialect::Legacy {
            service: service.into(),
            function: function.into(),
        },
        out,
    ))
}
