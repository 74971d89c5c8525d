//! Endpoint resolution (`reference/serverless-devs.md` §6.3, `reference/fc-api.md` §2, D18):
//! every precedence rule, the accepted spellings, the defaults per region, and the rule that
//! plain http goes to loopback only.

use fc::endpoint::{
    self, Endpoint, EndpointError, EndpointInputs, EndpointSource, Endpoints, Remote, RemoteChoice,
    Scheme, default_endpoints, is_loopback_host,
};
use proptest::prelude::*;

fn inputs<'a>() -> EndpointInputs<'a> {
    EndpointInputs {
        region: "cn-hangzhou",
        account_id: Some("1234567890123456"),
        ..EndpointInputs::default()
    }
}

fn no_env(_: &str) -> Option<String> {
    None
}

fn env_endpoint(value: &'static str) -> impl Fn(&str) -> Option<String> {
    move |name| (name == "FC_CLIENT_CUSTOM_ENDPOINT").then(|| value.to_string())
}

fn endpoints(remote: Remote) -> Endpoints {
    match remote {
        Remote::Endpoints(e) => e,
        Remote::Local { source } => panic!("expected endpoints, got local from {source}"),
    }
}

fn resolve(i: &EndpointInputs<'_>, env: &dyn Fn(&str) -> Option<String>) -> Endpoints {
    endpoints(endpoint::resolve(i, env).expect("endpoints"))
}

// ---------------------------------------------------------------------------------------------
// Defaults

#[test]
fn defaults_for_a_region() {
    let e = resolve(&inputs(), &no_env);
    assert_eq!(
        e.management_base_url(),
        "https://fcv3.cn-hangzhou.aliyuncs.com"
    );
    assert_eq!(
        e.invocation_base_url().as_deref(),
        Some("https://1234567890123456.cn-hangzhou.fc.aliyuncs.com")
    );
    assert_eq!(e.source(), EndpointSource::Default);
    assert_eq!(e.chosen_by, None);
    assert_eq!(e.management.authority(), "fcv3.cn-hangzhou.aliyuncs.com");
}

#[test]
fn default_invocation_needs_the_account_id() {
    let e = resolve(
        &EndpointInputs {
            account_id: None,
            ..inputs()
        },
        &no_env,
    );
    assert_eq!(
        e.management_base_url(),
        "https://fcv3.cn-hangzhou.aliyuncs.com"
    );
    assert_eq!(e.invocation, None);
}

#[test]
fn cn_heyuan_acdr_1_uses_the_internal_account_host_for_both() {
    let e = default_endpoints("cn-heyuan-acdr-1", Some("42")).unwrap();
    assert_eq!(
        e.management_base_url(),
        "https://42.cn-heyuan-acdr-1-internal.fc.aliyuncs.com"
    );
    assert_eq!(e.invocation_base_url(), Some(e.management_base_url()));
    assert_eq!(e.source(), EndpointSource::DefaultInternal);
    assert_eq!(
        default_endpoints("cn-heyuan-acdr-1", None),
        Err(EndpointError::AccountIdRequired {
            region: "cn-heyuan-acdr-1".to_string()
        })
    );
}

#[test]
fn region_and_account_must_be_host_safe() {
    for region in [
        "",
        "cn-hangzhou.evil.com",
        "CN-HANGZHOU",
        "cn hangzhou",
        "-x",
    ] {
        assert!(
            matches!(
                default_endpoints(region, None),
                Err(EndpointError::InvalidRegion { .. })
            ),
            "{region:?}"
        );
    }
    assert!(matches!(
        default_endpoints("cn-hangzhou", Some("1.evil.com/")),
        Err(EndpointError::InvalidAccountId { .. })
    ));
}

// ---------------------------------------------------------------------------------------------
// Precedence: --remote > sdls.remote > props.endpoint > FC_CLIENT_CUSTOM_ENDPOINT > defaults

#[test]
fn env_custom_endpoint_serves_both_clients() {
    let e = resolve(&inputs(), &env_endpoint("fc.example.com"));
    assert_eq!(e.management_base_url(), "https://fc.example.com");
    assert_eq!(
        e.invocation_base_url().as_deref(),
        Some("https://fc.example.com")
    );
    assert_eq!(e.source(), EndpointSource::EnvCustomEndpoint);
}

#[test]
fn props_endpoint_beats_the_environment() {
    let e = resolve(
        &EndpointInputs {
            props_endpoint: Some("https://props.example.com:8443"),
            ..inputs()
        },
        &env_endpoint("env.example.com"),
    );
    assert_eq!(e.management_base_url(), "https://props.example.com:8443");
    assert_eq!(e.source(), EndpointSource::PropsEndpoint);
    assert_eq!(e.chosen_by, None);
}

#[test]
fn setting_beats_props_and_environment() {
    let e = resolve(
        &EndpointInputs {
            remote_setting: Some("http://127.0.0.1:9000"),
            props_endpoint: Some("props.example.com"),
            ..inputs()
        },
        &env_endpoint("env.example.com"),
    );
    assert_eq!(e.management_base_url(), "http://127.0.0.1:9000");
    assert_eq!(e.source(), EndpointSource::RemoteSetting);
    assert_eq!(e.chosen_by, Some(EndpointSource::RemoteSetting));
}

#[test]
fn flag_beats_the_setting() {
    let e = resolve(
        &EndpointInputs {
            remote_flag: Some("flag.example.com"),
            remote_setting: Some("setting.example.com"),
            props_endpoint: Some("props.example.com"),
            ..inputs()
        },
        &env_endpoint("env.example.com"),
    );
    assert_eq!(e.management_base_url(), "https://flag.example.com");
    assert_eq!(e.chosen_by, Some(EndpointSource::RemoteFlag));
}

#[test]
fn local_is_a_marker_from_the_flag_or_the_setting() {
    let r = endpoint::resolve(
        &EndpointInputs {
            remote_flag: Some("local"),
            remote_setting: Some("setting.example.com"),
            props_endpoint: Some("props.example.com"),
            ..inputs()
        },
        &env_endpoint("env.example.com"),
    )
    .unwrap();
    assert_eq!(
        r,
        Remote::Local {
            source: EndpointSource::RemoteFlag
        }
    );
    let r = endpoint::resolve(
        &EndpointInputs {
            remote_setting: Some("LOCAL"),
            props_endpoint: Some("props.example.com"),
            ..inputs()
        },
        &no_env,
    )
    .unwrap();
    assert_eq!(
        r,
        Remote::Local {
            source: EndpointSource::RemoteSetting
        }
    );
}

#[test]
fn aliyun_skips_the_emulator_and_lets_later_sources_decide() {
    // The flag's `aliyun` beats the setting's `local`.
    let e = resolve(
        &EndpointInputs {
            remote_flag: Some("aliyun"),
            remote_setting: Some("local"),
            ..inputs()
        },
        &no_env,
    );
    assert_eq!(
        e.management_base_url(),
        "https://fcv3.cn-hangzhou.aliyuncs.com"
    );
    assert_eq!(e.source(), EndpointSource::Default);
    assert_eq!(e.chosen_by, Some(EndpointSource::RemoteFlag));
    // props.endpoint and the environment still apply.
    let e = resolve(
        &EndpointInputs {
            remote_setting: Some("aliyun"),
            ..inputs()
        },
        &env_endpoint("env.example.com"),
    );
    assert_eq!(e.management_base_url(), "https://env.example.com");
    assert_eq!(e.source(), EndpointSource::EnvCustomEndpoint);
    assert_eq!(e.chosen_by, Some(EndpointSource::RemoteSetting));
}

#[test]
fn blank_values_count_as_unset() {
    let e = resolve(
        &EndpointInputs {
            remote_flag: Some(""),
            remote_setting: Some("  "),
            props_endpoint: Some(""),
            ..inputs()
        },
        &env_endpoint(""),
    );
    assert_eq!(e.source(), EndpointSource::Default);
    assert_eq!(RemoteChoice::parse(" "), None);
    assert_eq!(RemoteChoice::parse("Aliyun"), Some(RemoteChoice::Aliyun));
    assert_eq!(
        RemoteChoice::parse(" h:1 "),
        Some(RemoteChoice::Url("h:1".to_string()))
    );
}

#[test]
fn errors_of_a_higher_source_are_not_skipped() {
    let e = endpoint::resolve(
        &EndpointInputs {
            props_endpoint: Some("http://props.example.com"),
            ..inputs()
        },
        &env_endpoint("env.example.com"),
    );
    assert_eq!(
        e,
        Err(EndpointError::PlainHttpNotLoopback {
            host: "props.example.com".to_string(),
            origin: EndpointSource::PropsEndpoint,
        })
    );
}

#[test]
fn a_custom_endpoint_overrides_even_cn_heyuan_acdr_1_defaults() {
    let e = resolve(
        &EndpointInputs {
            region: "cn-heyuan-acdr-1",
            account_id: None,
            ..inputs()
        },
        &env_endpoint("127.0.0.1:9000"),
    );
    assert_eq!(e.management_base_url(), "https://127.0.0.1:9000");
}

// ---------------------------------------------------------------------------------------------
// Spellings

fn parse(text: &str) -> Result<Endpoint, EndpointError> {
    Endpoint::parse(text, EndpointSource::RemoteFlag)
}

#[test]
fn accepted_spellings() {
    for (text, scheme, host, port, base) in [
        (
            "fc.example.com",
            Scheme::Https,
            "fc.example.com",
            None,
            "https://fc.example.com",
        ),
        (
            "fc.example.com:8443",
            Scheme::Https,
            "fc.example.com",
            Some(8443),
            "https://fc.example.com:8443",
        ),
        (
            "https://fc.example.com",
            Scheme::Https,
            "fc.example.com",
            None,
            "https://fc.example.com",
        ),
        (
            "HTTPS://fc.example.com:443/",
            Scheme::Https,
            "fc.example.com",
            Some(443),
            "https://fc.example.com:443",
        ),
        (
            " http://127.0.0.1:9000 ",
            Scheme::Http,
            "127.0.0.1",
            Some(9000),
            "http://127.0.0.1:9000",
        ),
        (
            "http://127.255.3.4",
            Scheme::Http,
            "127.255.3.4",
            None,
            "http://127.255.3.4",
        ),
        (
            "http://localhost:8080",
            Scheme::Http,
            "localhost",
            Some(8080),
            "http://localhost:8080",
        ),
        (
            "http://LocalHost",
            Scheme::Http,
            "LocalHost",
            None,
            "http://LocalHost",
        ),
        (
            "http://[::1]:9000",
            Scheme::Http,
            "::1",
            Some(9000),
            "http://[::1]:9000",
        ),
        ("http://[::1]", Scheme::Http, "::1", None, "http://[::1]"),
        ("::1", Scheme::Https, "::1", None, "https://[::1]"),
        (
            "[2001:db8::1]:443",
            Scheme::Https,
            "2001:db8::1",
            Some(443),
            "https://[2001:db8::1]:443",
        ),
        (
            "10.0.0.1",
            Scheme::Https,
            "10.0.0.1",
            None,
            "https://10.0.0.1",
        ),
        (
            "1234.cn-hangzhou.fc.aliyuncs.com",
            Scheme::Https,
            "1234.cn-hangzhou.fc.aliyuncs.com",
            None,
            "https://1234.cn-hangzhou.fc.aliyuncs.com",
        ),
    ] {
        let e = parse(text).unwrap_or_else(|err| panic!("{text}: {err}"));
        assert_eq!(
            (e.scheme, e.host.as_str(), e.port),
            (scheme, host, port),
            "{text}"
        );
        assert_eq!(e.base_url(), base, "{text}");
        assert_eq!(e.source, EndpointSource::RemoteFlag);
    }
}

#[test]
fn plain_http_only_to_loopback() {
    for ok in [
        "http://127.0.0.1",
        "http://127.0.0.1:18765",
        "http://[::1]:1",
        "http://localhost",
        "http://[::ffff:127.0.0.1]:80",
    ] {
        let e = parse(ok).unwrap_or_else(|err| panic!("{ok}: {err}"));
        assert!(e.is_loopback(), "{ok}");
    }
    for refused in [
        "http://10.0.0.1",
        "http://10.0.0.1:80",
        "http://example.com",
        "http://example.com:8080/",
        "http://[2001:db8::1]",
        "http://localhost.example.com",
        "http://0.0.0.0:9000",
    ] {
        assert!(
            matches!(
                parse(refused),
                Err(EndpointError::PlainHttpNotLoopback { .. })
            ),
            "{refused}"
        );
    }
    assert_eq!(
        parse("http://example.com").unwrap_err().to_string(),
        "plain http:// to `example.com` (from --remote) would send signed requests, configs and payloads unencrypted; http is allowed only to loopback (127.0.0.0/8, ::1, localhost): use https://example.com"
    );
    // https to anything is fine.
    assert!(parse("https://10.0.0.1").is_ok());
}

#[test]
fn refused_spellings() {
    for text in [
        "",
        "https://",
        "https://fc.example.com/2023-03-30",
        "fc.example.com?x=1",
        "user@fc.example.com",
        "fc.example.com:0",
        "fc.example.com:70000",
        "fc.example.com:http",
        "fc example.com",
        "[::1",
        "[not-ipv6]:80",
        "[::1]80",
        ".example.com",
    ] {
        assert!(
            matches!(parse(text), Err(EndpointError::Invalid { .. })),
            "{text:?}: {:?}",
            parse(text)
        );
    }
    assert_eq!(
        parse("ftp://fc.example.com"),
        Err(EndpointError::UnsupportedScheme {
            text: "ftp://fc.example.com".to_string(),
            scheme: "ftp".to_string(),
            origin: EndpointSource::RemoteFlag,
        })
    );
    assert_eq!(
        Endpoint::parse("fc.example.com/x", EndpointSource::PropsEndpoint)
            .unwrap_err()
            .to_string(),
        "endpoint `fc.example.com/x` from props.endpoint is not valid: only host[:port] may follow the scheme (no path, query or user info); write host, host:port or https://host[:port]"
    );
}

#[test]
fn loopback_hosts() {
    assert!(is_loopback_host("127.0.0.1"));
    assert!(is_loopback_host("127.1.2.3"));
    assert!(is_loopback_host("::1"));
    assert!(is_loopback_host("[::1]"));
    assert!(is_loopback_host("localhost"));
    assert!(!is_loopback_host("128.0.0.1"));
    assert!(!is_loopback_host("::2"));
    assert!(!is_loopback_host("localhost.example.com"));
}

proptest! {
    #[test]
    fn http_accepted_exactly_for_127_slash_8(a in any::<u8>(), b in any::<u8>(), c in any::<u8>(), d in any::<u8>(), port in 1u16..) {
        let text = format!("http://{a}.{b}.{c}.{d}:{port}");
        let result = parse(&text);
        if a == 127 {
            let e = result.unwrap();
            prop_assert_eq!(e.authority(), format!("{a}.{b}.{c}.{d}:{port}"));
        } else {
            let refused = matches!(result, Err(EndpointError::PlainHttpNotLoopback { .. }));
            prop_assert!(refused);
        }
    }
}
