//! Credentials resolution as Serverless Devs does it (`reference/serverless-devs.md` §6.1, §6.2):
//! every precedence rule, encrypted and plain access.yaml values, `__default`, env JSON aliases,
//! `${aliyun-cli}`, the labelled `ALIBABA_CLOUD_*` extension, wrong passphrases, and redaction.
//! Everything runs on a fake environment and a fake file system.
//!
//! The encrypted constants were made once with
//! `printf %s VALUE | openssl enc -aes-256-cbc -md md5 -a -A -salt -pass pass:PASSPHRASE`
//! (crates.md §4.16 says crypto-js and openssl agree); no test runs openssl.

use std::collections::{BTreeMap, HashMap};
use std::path::{Path, PathBuf};

use fc::credentials::{
    self, AliasChoice, AliasInfo, CredentialSource, Credentials, CredentialsError, DecryptError,
    Inputs, SERVERLESS_DEVS_PASSPHRASE, decrypt_cryptojs, encrypt_cryptojs, looks_encrypted,
};
use proptest::prelude::*;

// crates.md §4.16: crypto-js 4.2.0, passphrase `SecretPassphrase`.
const CRATES_VECTOR: &str = "U2FsdGVkX1+J5PuFasNmS87+cviDxGMWHewNSfb7/rZhr4/dKWJMR0AxZEMGWmCG";
const CRATES_PLAIN: &str = "LTAI5tEXAMPLEKEYID";

// openssl, passphrase `SecretKey123` (the one Serverless Devs uses).
const ENC_ACCOUNT: &str = "U2FsdGVkX1/yMk/LdP9e+u0Df7ofOZBoOCiG0juiIZb4H4JKK9axVWilVQ41VQHI"; // 1234567890123456
const ENC_KEY_ID: &str = "U2FsdGVkX1/J/EFVA2gvm5ifLWN8PcKLHA8+VQssR1SdQRobZD8pLoZdQ43SngXZ"; // LTAI5tOpensslKeyId42
const ENC_SECRET: &str =
    "U2FsdGVkX1+gqRmgvofcx3mabT2xH4UEp44WZE8OkvZEr/T1BVx5CsE0mDxbBJYgmuyXTehym9AcFHL8S5Grxg=="; // OpensslTestSecretNotReal0123456789
const ENC_PROVIDER: &str = "U2FsdGVkX1+JhxvpwZirTOh17M04qZOnH7tiQu085Iw="; // Alibaba Cloud
const ENC_TRUE: &str = "U2FsdGVkX1+wy/pk5Heifb3V4i+bYkeHLTE7QOlfpLU="; // true
const ENC_FALSE: &str = "U2FsdGVkX1/J91eA6LoLfhLsdNPGB+xXhf5FnFzvTUk="; // false
const ENC_TOKEN: &str = "U2FsdGVkX1/bcCGSJxikQScOmR4kgGWm+Nt+R83zDYe/xIxQLvNTrUMSIn+4zz1H"; // STS.NotARealTokenOpenssl/+=
const ENC_NOT_A_KEY: &str = "U2FsdGVkX1+UPJIoufwruvAZFMOSOZc/XtByALr3XKg="; // "not a key"
// `LTAI5tEXAMPLEKEYID` encrypted with `SecretPassphrase`, chosen among many because it passes
// the padding check under `SecretKey123` (the 1-in-256 pitfall of crates.md §4.16).
const WRONG_PASS_VALID_PADDING: &str =
    "U2FsdGVkX1802RN3iWzlnSNIypE52j72ye1bbrcXRh5PSoYH10iIjJ/9rG2bl4hP";

const OPENSSL_KEY_ID: &str = "LTAI5tOpensslKeyId42";
const OPENSSL_SECRET: &str = "OpensslTestSecretNotReal0123456789";
const OPENSSL_TOKEN: &str = "STS.NotARealTokenOpenssl/+=";

const HOME: &str = "/home/u";
const ACCESS: &str = "/home/u/.s/access.yaml";

/// A fake machine: environment variables and files.
#[derive(Default)]
struct World {
    env: BTreeMap<String, String>,
    files: HashMap<PathBuf, String>,
}

impl World {
    fn new() -> World {
        World::default()
    }

    fn env(mut self, name: &str, value: &str) -> World {
        self.env.insert(name.to_string(), value.to_string());
        self
    }

    fn file(mut self, path: &str, text: &str) -> World {
        self.files.insert(PathBuf::from(path), text.to_string());
        self
    }

    fn access(self, text: &str) -> World {
        self.file(ACCESS, text)
    }

    fn resolve(&self, alias: Option<&str>) -> Result<Option<Credentials>, CredentialsError> {
        let read = |p: &Path| self.files.get(p).cloned();
        credentials::resolve(
            alias,
            &Inputs {
                env: &self.env,
                home: Path::new(HOME),
                read_file: &read,
            },
        )
    }

    fn ok(&self, alias: Option<&str>) -> Credentials {
        match self.resolve(alias) {
            Ok(Some(c)) => c,
            other => panic!("expected credentials, got {other:?}"),
        }
    }

    fn err(&self, alias: Option<&str>) -> CredentialsError {
        match self.resolve(alias) {
            Err(e) => e,
            other => panic!("expected an error, got {other:?}"),
        }
    }

    fn aliases(&self) -> Vec<AliasInfo> {
        let read = |p: &Path| self.files.get(p).cloned();
        credentials::aliases(&Inputs {
            env: &self.env,
            home: Path::new(HOME),
            read_file: &read,
        })
        .expect("aliases")
    }

    fn s_home(&self) -> PathBuf {
        let read = |p: &Path| self.files.get(p).cloned();
        credentials::s_home(&Inputs {
            env: &self.env,
            home: Path::new(HOME),
            read_file: &read,
        })
    }
}

/// An alias written by `s config add`: every value encrypted, `__provider` and `__default` too.
fn encrypted_alias(name: &str, default: &str) -> String {
    format!(
        "{name}:\n  __provider: {ENC_PROVIDER}\n  AccessKeyID: {ENC_KEY_ID}\n  AccessKeySecret: {ENC_SECRET}\n  AccountID: {ENC_ACCOUNT}\n  __default: {default}\n"
    )
}

fn plain_alias(name: &str, account: &str, id: &str, secret: &str) -> String {
    format!("{name}:\n  AccountID: '{account}'\n  AccessKeyID: {id}\n  AccessKeySecret: {secret}\n")
}

fn file_source(alias: &str, chosen_by: AliasChoice) -> CredentialSource {
    CredentialSource::AccessFile {
        alias: alias.to_string(),
        file: PathBuf::from(ACCESS),
        chosen_by,
    }
}

// ---------------------------------------------------------------------------------------------
// CryptoJS format

#[test]
fn crates_vector_decrypts_with_its_passphrase() {
    assert_eq!(
        decrypt_cryptojs(CRATES_VECTOR, "SecretPassphrase").unwrap(),
        CRATES_PLAIN
    );
}

#[test]
fn reference_table_vectors_decrypt_and_re_encrypt_with_the_fixed_salt() {
    // serverless-devs.md §6.1: crypto-js 4.2.0, salt 0102030405060708, passphrase SecretKey123.
    let table = [
        (
            "LTAI5tExampleKeyId",
            "U2FsdGVkX18BAgMEBQYHCPOos2w9+Ps0YV6129xdFxlXXKCZK/HfUIXx5L7RpRE6",
        ),
        ("true", "U2FsdGVkX18BAgMEBQYHCCPIAoQ7mEGpqnV2ueUz4mw="),
        ("false", "U2FsdGVkX18BAgMEBQYHCLGYmUN//reXBDolDGhsOKQ="),
        (
            "1234567890123456",
            "U2FsdGVkX18BAgMEBQYHCKu054k54+4IUlT+S244OKfP41SJBXlDDhX0M15cnKph",
        ),
        (
            "Alibaba Cloud",
            "U2FsdGVkX18BAgMEBQYHCA9DrSXui/OwmFaM8g8cviw=",
        ),
    ];
    for (plain, stored) in table {
        assert_eq!(
            decrypt_cryptojs(stored, SERVERLESS_DEVS_PASSPHRASE).unwrap(),
            plain
        );
        assert_eq!(
            encrypt_cryptojs(plain, SERVERLESS_DEVS_PASSPHRASE, [1, 2, 3, 4, 5, 6, 7, 8]),
            stored
        );
    }
    // Random salt, as `s` writes it.
    assert_eq!(
        decrypt_cryptojs(
            "U2FsdGVkX183ggG/G8AkV9nft/HTieJPtwkimmNd+yw=",
            SERVERLESS_DEVS_PASSPHRASE
        )
        .unwrap(),
        "true"
    );
}

#[test]
fn openssl_vectors_decrypt_with_the_serverless_devs_passphrase() {
    for (stored, plain) in [
        (ENC_ACCOUNT, "1234567890123456"),
        (ENC_KEY_ID, OPENSSL_KEY_ID),
        (ENC_SECRET, OPENSSL_SECRET),
        (ENC_PROVIDER, "Alibaba Cloud"),
        (ENC_TRUE, "true"),
        (ENC_FALSE, "false"),
        (ENC_TOKEN, OPENSSL_TOKEN),
    ] {
        assert_eq!(
            decrypt_cryptojs(stored, SERVERLESS_DEVS_PASSPHRASE).unwrap(),
            plain
        );
    }
}

#[test]
fn wrong_passphrase_is_detected() {
    assert!(decrypt_cryptojs(CRATES_VECTOR, SERVERLESS_DEVS_PASSPHRASE).is_err());
    // Passes the padding check with the wrong passphrase, then fails UTF-8.
    assert_eq!(
        decrypt_cryptojs(WRONG_PASS_VALID_PADDING, "SecretPassphrase").unwrap(),
        CRATES_PLAIN
    );
    assert_eq!(
        decrypt_cryptojs(WRONG_PASS_VALID_PADDING, SERVERLESS_DEVS_PASSPHRASE),
        Err(DecryptError::NotUtf8)
    );
}

#[test]
fn only_salted_values_count_as_encrypted() {
    assert!(looks_encrypted(ENC_TRUE));
    assert!(looks_encrypted(CRATES_VECTOR));
    assert!(!looks_encrypted("LTAI5tPlainKeyId"));
    assert!(!looks_encrypted("U2FsdGVkX1")); // the header alone
    assert!(!looks_encrypted("U2FsdGVkX18BAgMEBQYHCA==")); // header + salt, no block
    // A whole block missing a byte is not whole blocks.
    assert!(!looks_encrypted(
        "U2FsdGVkX18BAgMEBQYHCCPIAoQ7mEGpqnV2ueUz4g=="
    ));
    assert_eq!(
        decrypt_cryptojs("plain", SERVERLESS_DEVS_PASSPHRASE),
        Err(DecryptError::NotEncrypted)
    );
}

proptest! {
    #[test]
    fn encrypt_then_decrypt_round_trips(plain in "\\PC{1,64}", salt in any::<[u8; 8]>()) {
        let stored = encrypt_cryptojs(&plain, SERVERLESS_DEVS_PASSPHRASE, salt);
        prop_assert!(stored.starts_with("U2FsdGVkX1"));
        prop_assert!(looks_encrypted(&stored));
        prop_assert_eq!(decrypt_cryptojs(&stored, SERVERLESS_DEVS_PASSPHRASE).unwrap(), plain);
    }
}

// ---------------------------------------------------------------------------------------------
// Nothing configured

#[test]
fn nothing_configured_is_none_not_an_error() {
    assert_eq!(World::new().resolve(None).unwrap(), None);
    // `access: default` of a template, with no store at all.
    assert_eq!(World::new().resolve(Some("default")).unwrap(), None);
    // The empty access.yaml the v2 library creates.
    assert_eq!(World::new().access("").resolve(None).unwrap(), None);
    assert_eq!(
        World::new().access("# nothing\n").resolve(None).unwrap(),
        None
    );
    // Half of a pair is not credentials.
    let half = World::new()
        .env("AccessKeyID", "LTAI5tHalf")
        .env("AccessKeySecret", "s")
        .env("ALIBABA_CLOUD_ACCESS_KEY_ID", "LTAI5tHalf");
    assert_eq!(half.resolve(None).unwrap(), None);
}

// ---------------------------------------------------------------------------------------------
// §6.2 step 1: the env trio

fn trio(world: World) -> World {
    world
        .env("AccountID", "1111222233334444")
        .env("AccessKeyID", "LTAI5tEnvTrioKeyId")
        .env("AccessKeySecret", "EnvTrioSecretValue")
}

#[test]
fn env_trio_wins_over_everything_including_an_explicit_alias() {
    let world = trio(World::new())
        .env("ALIBABA_CLOUD_ACCESS_KEY_ID", "LTAI5tExtension")
        .env("ALIBABA_CLOUD_ACCESS_KEY_SECRET", "ExtensionSecret")
        .access(&encrypted_alias("prod", ENC_TRUE));
    let c = world.ok(Some("prod"));
    assert_eq!(c.account_id.as_deref(), Some("1111222233334444"));
    assert_eq!(c.access_key_id, "LTAI5tEnvTrioKeyId");
    assert_eq!(c.access_key_secret, "EnvTrioSecretValue");
    assert_eq!(c.security_token, None);
    assert_eq!(
        c.source,
        CredentialSource::EnvTrio {
            security_token: false
        }
    );
    assert_eq!(c.source.alias(), "$system_environment_access");
    assert_eq!(
        c.source.to_string(),
        "environment variables AccountID, AccessKeyID, AccessKeySecret (alias $system_environment_access)"
    );
    // Also over `${aliyun-cli}`.
    assert_eq!(
        world.ok(Some("${aliyun-cli}")).access_key_id,
        "LTAI5tEnvTrioKeyId"
    );
}

#[test]
fn env_trio_takes_an_optional_security_token() {
    let c = trio(World::new()).env("SecurityToken", "EnvToken").ok(None);
    assert_eq!(c.security_token.as_deref(), Some("EnvToken"));
    assert_eq!(
        c.source,
        CredentialSource::EnvTrio {
            security_token: true
        }
    );
    assert!(c.source.to_string().contains("SecurityToken"));
    // An empty token is no token.
    let c = trio(World::new()).env("SecurityToken", "").ok(None);
    assert_eq!(c.security_token, None);
}

#[test]
fn env_trio_with_an_empty_value_is_an_error_not_a_fall_through() {
    let world = trio(World::new())
        .env("AccessKeySecret", "")
        .access(&encrypted_alias("default", ENC_FALSE));
    let e = world.err(None);
    assert_eq!(
        e,
        CredentialsError::EnvTrioEmpty {
            empty: vec!["AccessKeySecret".to_string()]
        }
    );
    assert_eq!(
        e.to_string(),
        "the environment sets AccountID, AccessKeyID and AccessKeySecret (used before any alias, as Serverless Devs does), but AccessKeySecret is empty; set it, or unset all three to use an access alias"
    );
    // An empty AccountID only means "not known".
    let c = trio(World::new()).env("AccountID", "").ok(None);
    assert_eq!(c.account_id, None);
}

// ---------------------------------------------------------------------------------------------
// The labelled ALIBABA_CLOUD_* extension (after the trio, before aliases)

#[test]
fn alibaba_cloud_variables_are_a_labelled_extension() {
    let world = World::new()
        .env("ALIBABA_CLOUD_ACCESS_KEY_ID", "LTAI5tExtension")
        .env("ALIBABA_CLOUD_ACCESS_KEY_SECRET", "ExtensionSecret")
        .access(&encrypted_alias("default", ENC_TRUE));
    let c = world.ok(Some("default"));
    assert_eq!(c.access_key_id, "LTAI5tExtension");
    assert_eq!(c.access_key_secret, "ExtensionSecret");
    assert_eq!(c.account_id, None);
    assert_eq!(c.security_token, None);
    assert!(c.source.is_extension());
    assert_eq!(
        c.source.to_string(),
        "environment variables ALIBABA_CLOUD_ACCESS_KEY_ID, ALIBABA_CLOUD_ACCESS_KEY_SECRET (sdls extension: Serverless Devs does not read these)"
    );

    let c = World::new()
        .env("ALIBABA_CLOUD_ACCESS_KEY_ID", "LTAI5tExtension")
        .env("ALIBABA_CLOUD_ACCESS_KEY_SECRET", "ExtensionSecret")
        .env("ALIBABA_CLOUD_SECURITY_TOKEN", "ExtensionToken")
        .ok(None);
    assert_eq!(c.security_token.as_deref(), Some("ExtensionToken"));
    assert_eq!(
        c.source,
        CredentialSource::AlibabaCloudEnv {
            security_token: true
        }
    );
    assert!(
        c.source
            .to_string()
            .contains("ALIBABA_CLOUD_SECURITY_TOKEN")
    );
}

// ---------------------------------------------------------------------------------------------
// access.yaml: encrypted and plain values

#[test]
fn encrypted_alias_as_s_config_add_writes_it() {
    let c = World::new()
        .access(&encrypted_alias("default", ENC_FALSE))
        .ok(None);
    assert_eq!(c.account_id.as_deref(), Some("1234567890123456"));
    assert_eq!(c.access_key_id, OPENSSL_KEY_ID);
    assert_eq!(c.access_key_secret, OPENSSL_SECRET);
    assert_eq!(c.security_token, None);
    assert_eq!(c.source, file_source("default", AliasChoice::DefaultName));
    assert_eq!(c.source.alias(), "default");
    assert_eq!(
        c.source.to_string(),
        "alias `default` in /home/u/.s/access.yaml (the default alias)"
    );
}

#[test]
fn encrypted_security_token() {
    let text = format!(
        "sts:\n  AccessKeyID: {ENC_KEY_ID}\n  AccessKeySecret: {ENC_SECRET}\n  SecurityToken: {ENC_TOKEN}\n"
    );
    let c = World::new().access(&text).ok(Some("sts"));
    assert_eq!(c.security_token.as_deref(), Some(OPENSSL_TOKEN));
    assert_eq!(c.account_id, None);
    assert_eq!(c.source, file_source("sts", AliasChoice::Requested));
}

#[test]
fn plain_values_and_a_numeric_account_id() {
    let text = "plain:\n  AccountID: 1234567890123456\n  AccessKeyID: LTAI5tPlainKeyId\n  AccessKeySecret: ' PlainSecret '\n";
    let c = World::new().access(text).ok(Some("plain"));
    assert_eq!(c.account_id.as_deref(), Some("1234567890123456"));
    assert_eq!(c.access_key_id, "LTAI5tPlainKeyId");
    assert_eq!(c.access_key_secret, "PlainSecret", "values are trimmed");
}

#[test]
fn mixed_encrypted_and_plain_values_in_one_file() {
    let text = format!(
        "{}{}",
        encrypted_alias("default", ENC_FALSE),
        plain_alias("dev", "9999", "LTAI5tDevKeyId", "DevSecret")
    );
    let world = World::new().access(&text);
    assert_eq!(world.ok(Some("dev")).access_key_id, "LTAI5tDevKeyId");
    assert_eq!(world.ok(Some("default")).access_key_id, OPENSSL_KEY_ID);
}

#[test]
fn access_yml_is_read_when_access_yaml_is_absent() {
    let c = World::new()
        .file(
            "/home/u/.s/access.yml",
            &plain_alias("default", "1", "LTAI5tYml", "S"),
        )
        .ok(None);
    assert_eq!(c.access_key_id, "LTAI5tYml");
    assert_eq!(
        c.source,
        CredentialSource::AccessFile {
            alias: "default".to_string(),
            file: PathBuf::from("/home/u/.s/access.yml"),
            chosen_by: AliasChoice::DefaultName,
        }
    );
}

#[test]
fn missing_account_id_is_none() {
    let c = World::new()
        .access("default:\n  AccessKeyID: LTAI5tX\n  AccessKeySecret: S\n")
        .ok(None);
    assert_eq!(c.account_id, None);
}

// ---------------------------------------------------------------------------------------------
// Alias choice: §6.2 steps 2, 5, 6

#[test]
fn requested_alias_is_used() {
    let text = format!(
        "{}{}",
        encrypted_alias("default", ENC_TRUE),
        plain_alias("prod", "2", "LTAI5tProd", "ProdSecret")
    );
    let c = World::new().access(&text).ok(Some("prod"));
    assert_eq!(c.access_key_id, "LTAI5tProd");
    assert_eq!(c.source, file_source("prod", AliasChoice::Requested));
}

#[test]
fn missing_alias_names_the_alias_the_file_and_the_fix() {
    let text = format!(
        "{}{}",
        plain_alias("default", "1", "LTAI5tA", "A"),
        plain_alias("dev", "2", "LTAI5tB", "B")
    );
    let e = World::new().access(&text).err(Some("prod"));
    assert_eq!(
        e.to_string(),
        "access alias `prod` not found in /home/u/.s/access.yaml (aliases: default, dev); add it with `s config add -a prod`, or choose an existing alias with --access"
    );
}

#[test]
fn marked_default_wins_over_the_alias_named_default() {
    let text = format!(
        "{}{}{}",
        encrypted_alias("default", ENC_FALSE),
        plain_alias("other", "3", "LTAI5tOther", "O"),
        "dev:\n  AccessKeyID: LTAI5tDev\n  AccessKeySecret: D\n  __default: ".to_string()
            + ENC_TRUE
            + "\n"
    );
    let c = World::new().access(&text).ok(None);
    assert_eq!(c.access_key_id, "LTAI5tDev");
    assert_eq!(c.source, file_source("dev", AliasChoice::MarkedDefault));
    assert!(c.source.to_string().contains("marked __default"));
}

#[test]
fn first_marked_default_in_file_order_wins() {
    let text = "b:\n  AccessKeyID: LTAI5tB\n  AccessKeySecret: B\n  __default: 'true'\na:\n  AccessKeyID: LTAI5tA\n  AccessKeySecret: A\n  __default: 'true'\n";
    assert_eq!(World::new().access(text).ok(None).access_key_id, "LTAI5tB");
}

#[test]
fn boolean_default_does_not_count_as_in_s() {
    // js-yaml gives a boolean; `s` compares with the string 'true'.
    let text = "default:\n  AccessKeyID: LTAI5tDefault\n  AccessKeySecret: D\nother:\n  AccessKeyID: LTAI5tOther\n  AccessKeySecret: O\n  __default: true\n";
    let c = World::new().access(text).ok(None);
    assert_eq!(c.access_key_id, "LTAI5tDefault");
    assert_eq!(c.source, file_source("default", AliasChoice::DefaultName));
}

#[test]
fn undecryptable_default_marker_is_kept_raw_and_does_not_count() {
    let text = format!(
        "default:\n  AccessKeyID: LTAI5tDefault\n  AccessKeySecret: D\nother:\n  AccessKeyID: LTAI5tOther\n  AccessKeySecret: O\n  __default: {CRATES_VECTOR}\n"
    );
    assert_eq!(
        World::new().access(&text).ok(None).access_key_id,
        "LTAI5tDefault"
    );
}

#[test]
fn requested_alias_wins_over_marked_default() {
    let text = format!(
        "{}{}",
        encrypted_alias("marked", ENC_TRUE),
        plain_alias("pick", "1", "LTAI5tPick", "P")
    );
    assert_eq!(
        World::new().access(&text).ok(Some("pick")).access_key_id,
        "LTAI5tPick"
    );
}

#[test]
fn no_alias_no_marker_no_default_is_an_error() {
    let text = format!(
        "{}{}",
        plain_alias("dev", "1", "LTAI5tA", "A"),
        plain_alias("prod", "2", "LTAI5tB", "B")
    );
    let e = World::new().access(&text).err(None);
    assert_eq!(
        e.to_string(),
        "no access alias chosen and /home/u/.s/access.yaml has none marked __default and none named `default` (aliases: dev, prod); choose one with --access <alias> or `access:` in s.yaml, or run `s config default -a <alias>`"
    );
}

#[test]
fn ci_alias_variable_replaces_the_requested_alias_in_ci_only() {
    let text = format!(
        "{}{}",
        plain_alias("prod", "1", "LTAI5tProd", "P"),
        plain_alias("ci", "2", "LTAI5tCi", "C")
    );
    let outside_ci = World::new()
        .access(&text)
        .env("serverless_devs_access_cicd_alias_name", "ci");
    assert_eq!(outside_ci.ok(Some("prod")).access_key_id, "LTAI5tProd");
    let in_ci = outside_ci.env("GITHUB_ACTIONS", "true");
    let c = in_ci.ok(Some("prod"));
    assert_eq!(c.access_key_id, "LTAI5tCi");
    assert_eq!(c.source, file_source("ci", AliasChoice::CiOverride));
    assert_eq!(in_ci.ok(None).access_key_id, "LTAI5tCi");
}

#[test]
fn ci_detection_follows_s() {
    let ci = |name: &str, value: &str| {
        let mut env = BTreeMap::new();
        env.insert(name.to_string(), value.to_string());
        credentials::is_ci(&env)
    };
    assert!(ci("SERVERLESS_CD", ""));
    assert!(ci("SERVERLESS_DEVS_CICD", "1"));
    assert!(ci("PIPELINE_ID", "1"));
    assert!(ci("GITLAB_CI", "true"));
    assert!(ci("JENKINS_URL", "x"));
    assert!(ci("CLOUDSHELL_X", "x"));
    assert!(ci("BUILD_IMAGE_ENV", "fc-backend"));
    assert!(!ci("BUILD_IMAGE_ENV", "other"));
    assert!(!ci("CI", "true"), "`s` does not look at CI=true");
}

// ---------------------------------------------------------------------------------------------
// `*_serverless_devs_key` env aliases

const ENV_ALIAS_JSON: &str = r#"{"AccountID":"5555","AccessKeyID":"LTAI5tEnvJson","AccessKeySecret":"EnvJsonSecret","SecurityToken":"EnvJsonToken"}"#;

#[test]
fn env_json_alias_is_chosen_by_its_variable_name() {
    let world = World::new()
        .access(&plain_alias("default", "1", "LTAI5tFile", "F"))
        .env("ci_serverless_devs_key", ENV_ALIAS_JSON);
    let c = world.ok(Some("ci_serverless_devs_key"));
    assert_eq!(c.account_id.as_deref(), Some("5555"));
    assert_eq!(c.access_key_id, "LTAI5tEnvJson");
    assert_eq!(c.security_token.as_deref(), Some("EnvJsonToken"));
    assert_eq!(
        c.source,
        CredentialSource::EnvAlias {
            variable: "ci_serverless_devs_key".to_string(),
            chosen_by: AliasChoice::Requested,
        }
    );
    // Not the fallback `default` alias: that stays the file's.
    assert_eq!(world.ok(None).access_key_id, "LTAI5tFile");
}

#[test]
fn env_json_alias_alone_is_a_store() {
    let world = World::new().env("default_serverless_devs_key", ENV_ALIAS_JSON);
    // No `default` alias and no marker: an error that lists the variable, not None.
    assert!(matches!(
        world.err(None),
        CredentialsError::NoDefaultAlias { .. }
    ));
    assert_eq!(
        world.ok(Some("default_serverless_devs_key")).access_key_id,
        "LTAI5tEnvJson"
    );
}

#[test]
fn env_json_alias_overrides_a_file_alias_of_the_same_name_and_is_not_decrypted() {
    let json = format!(r#"{{"AccessKeyID":"{ENC_KEY_ID}","AccessKeySecret":"S","AccountID":7}}"#);
    let world = World::new()
        .access(&plain_alias(
            "x_serverless_devs_key",
            "1",
            "LTAI5tFile",
            "F",
        ))
        .env("x_serverless_devs_key", &json);
    let c = world.ok(Some("x_serverless_devs_key"));
    assert_eq!(c.access_key_id, ENC_KEY_ID, "env values are used as is");
    assert_eq!(c.account_id.as_deref(), Some("7"));
    assert!(matches!(c.source, CredentialSource::EnvAlias { .. }));
}

#[test]
fn env_json_alias_marked_default_and_invalid_json_ignored() {
    let json = r#"{"AccessKeyID":"LTAI5tMarked","AccessKeySecret":"M","__default":"true"}"#;
    let world = World::new()
        .access(&plain_alias("default", "1", "LTAI5tFile", "F"))
        .env("broken_serverless_devs_key", "{not json")
        .env("marked_serverless_devs_key", json);
    let c = world.ok(None);
    assert_eq!(c.access_key_id, "LTAI5tMarked");
    assert_eq!(
        c.source,
        CredentialSource::EnvAlias {
            variable: "marked_serverless_devs_key".to_string(),
            chosen_by: AliasChoice::MarkedDefault,
        }
    );
    assert_eq!(
        world.aliases(),
        vec![
            AliasInfo {
                name: "default".to_string(),
                variable: None,
                marked_default: false,
            },
            AliasInfo {
                name: "marked_serverless_devs_key".to_string(),
                variable: Some("marked_serverless_devs_key".to_string()),
                marked_default: true,
            },
        ]
    );
}

// ---------------------------------------------------------------------------------------------
// Where the access file is (§6.1 "Location")

#[test]
fn config_home_variable_moves_the_access_file() {
    let world = World::new()
        .env("serverless_devs_config_home", "/srv/devs")
        .file(
            "/srv/devs/.s/access.yaml",
            &plain_alias("default", "1", "LTAI5tMoved", "M"),
        )
        .access(&plain_alias("default", "1", "LTAI5tHome", "H"));
    assert_eq!(world.s_home(), PathBuf::from("/srv/devs/.s"));
    assert_eq!(world.ok(None).access_key_id, "LTAI5tMoved");
}

#[test]
fn s_json_workspace_and_yunxiao() {
    let world = World::new().file(
        "/home/u/.s/config/s.json",
        r#"{"workspace":"~/elsewhere/.s"}"#,
    );
    assert_eq!(world.s_home(), PathBuf::from("/home/u/elsewhere/.s"));
    let world = world
        .file(
            "/home/u/elsewhere/.s/access.yaml",
            &plain_alias("default", "1", "LTAI5tWs", "W"),
        )
        .env("PIPELINE_ID", "1");
    assert_eq!(
        world.ok(None).access_key_id,
        "LTAI5tWs",
        "s.json decides even in Yunxiao"
    );
    assert_eq!(
        World::new().env("PIPELINE_NAME", "x").s_home(),
        PathBuf::from("/home/u/.cache/.s")
    );
    assert_eq!(
        World::new()
            .file("/home/u/.s/config/s.json", "{}")
            .env("PIPELINE_NAME", "x")
            .s_home(),
        PathBuf::from("/home/u/.s")
    );
}

// ---------------------------------------------------------------------------------------------
// `${aliyun-cli}`

fn aliyun_config(mode: &str, extra: &str) -> String {
    format!(
        r#"{{"current":"work","profiles":[
            {{"name":"default","mode":"AK","access_key_id":"LTAI5tAliyunDefault","access_key_secret":"D"}},
            {{"name":"work","mode":"{mode}","access_key_id":"LTAI5tAliyunWork","access_key_secret":"AliyunWorkSecret"{extra}}}
        ],"meta_path":""}}"#
    )
}

#[test]
fn aliyun_cli_ak_profile() {
    let world = World::new().file("/home/u/.aliyun/config.json", &aliyun_config("AK", ""));
    let c = world.ok(Some("${aliyun-cli}"));
    assert_eq!(c.access_key_id, "LTAI5tAliyunWork");
    assert_eq!(c.access_key_secret, "AliyunWorkSecret");
    assert_eq!(c.account_id, None, "needs GetCallerIdentity (D30)");
    assert_eq!(c.security_token, None);
    assert_eq!(
        c.source,
        CredentialSource::AliyunCli {
            profile: "work".to_string(),
            mode: "AK".to_string(),
            file: PathBuf::from("/home/u/.aliyun/config.json"),
            chosen_by: AliasChoice::Requested,
        }
    );
    assert_eq!(
        c.source.to_string(),
        "aliyun CLI profile `work` (mode AK) in /home/u/.aliyun/config.json (alias ${aliyun-cli}, requested)"
    );
}

#[test]
fn aliyun_cli_sts_profile_and_config_variable() {
    let world = World::new()
        .env("ALIBABACLOUD_CONFIG", "/etc/aliyun.json")
        .file(
            "/etc/aliyun.json",
            &aliyun_config("StsToken", r#","sts_token":"AliyunStsToken""#),
        );
    let c = world.ok(Some("${aliyun-cli}"));
    assert_eq!(c.security_token.as_deref(), Some("AliyunStsToken"));
    let missing_token = World::new().file(
        "/home/u/.aliyun/config.json",
        &aliyun_config("StsToken", ""),
    );
    assert_eq!(
        missing_token.err(Some("${aliyun-cli}")).to_string(),
        "aliyun CLI profile `work` in /home/u/.aliyun/config.json has no sts_token; run `aliyun configure --profile work`"
    );
}

#[test]
fn aliyun_cli_modes_that_need_the_network_say_so() {
    for (mode, needs) in [
        ("RamRoleArn", "STS AssumeRole"),
        ("ChainableRamRoleArn", "STS AssumeRole"),
        ("EcsRamRole", "the ECS instance metadata service"),
        ("CredentialsURI", "a request to its credentials_uri"),
    ] {
        let e = World::new()
            .file("/home/u/.aliyun/config.json", &aliyun_config(mode, ""))
            .err(Some("${aliyun-cli}"));
        assert_eq!(
            e.to_string(),
            format!(
                "aliyun CLI profile `work` in /home/u/.aliyun/config.json uses mode {mode}, which needs the network ({needs}); sdls resolves AK and StsToken profiles offline only: use an AK or StsToken profile, or a Serverless Devs access alias"
            )
        );
    }
    let e = World::new()
        .file(
            "/home/u/.aliyun/config.json",
            &aliyun_config("External", ""),
        )
        .err(Some("${aliyun-cli}"));
    assert!(matches!(e, CredentialsError::AliyunModeUnsupported { .. }));
    assert!(e.to_string().contains("External"));
}

#[test]
fn aliyun_cli_missing_file_and_profile() {
    let e = World::new().err(Some("${aliyun-cli}"));
    assert_eq!(
        e.to_string(),
        "alias ${aliyun-cli} reads the Alibaba Cloud CLI configuration, but /home/u/.aliyun/config.json does not exist: run `aliyun configure`, set ALIBABACLOUD_CONFIG, or use a Serverless Devs access alias (`s config add`)"
    );
    let e = World::new()
        .file(
            "/home/u/.aliyun/config.json",
            r#"{"current":"gone","profiles":[{"name":"default","mode":"AK"}]}"#,
        )
        .err(Some("${aliyun-cli}"));
    assert_eq!(
        e,
        CredentialsError::AliyunProfileNotFound {
            file: PathBuf::from("/home/u/.aliyun/config.json"),
            profile: "gone".to_string(),
            available: vec!["default".to_string()],
        }
    );
    // No `current`: the aliyun CLI's `default`.
    let c = World::new()
        .file(
            "/home/u/.aliyun/config.json",
            r#"{"profiles":[{"name":"default","access_key_id":"LTAI5tNoCurrent","access_key_secret":"S"}]}"#,
        )
        .ok(Some("${aliyun-cli}"));
    assert_eq!(c.access_key_id, "LTAI5tNoCurrent");
}

#[test]
fn aliyun_cli_via_ci_alias() {
    let c = World::new()
        .env("SERVERLESS_DEVS_CICD", "1")
        .env("serverless_devs_access_cicd_alias_name", "${aliyun-cli}")
        .file("/home/u/.aliyun/config.json", &aliyun_config("AK", ""))
        .ok(Some("default"));
    assert!(matches!(
        c.source,
        CredentialSource::AliyunCli {
            chosen_by: AliasChoice::CiOverride,
            ..
        }
    ));
}

// ---------------------------------------------------------------------------------------------
// Broken files and values

#[test]
fn wrong_passphrase_in_access_yaml_is_a_clear_error() {
    // Encrypted with `SecretPassphrase`, not Serverless Devs' passphrase.
    let text =
        format!("default:\n  AccessKeyID: {CRATES_VECTOR}\n  AccessKeySecret: {ENC_SECRET}\n");
    let e = World::new().access(&text).err(None);
    assert!(matches!(
        e,
        CredentialsError::Undecryptable {
            reason: DecryptError::Padding,
            ..
        }
    ));
    assert_eq!(
        e.to_string(),
        "AccessKeyID of access alias `default` in /home/u/.s/access.yaml looks encrypted but does not decrypt with Serverless Devs' passphrase (bad padding: wrong passphrase or corrupt ciphertext); the file was written by another tool or is corrupt: re-add the alias with `s config add -a default -f`"
    );
}

#[test]
fn wrong_passphrase_passing_padding_is_still_caught() {
    let text = format!(
        "default:\n  AccessKeyID: {WRONG_PASS_VALID_PADDING}\n  AccessKeySecret: {ENC_SECRET}\n"
    );
    assert!(matches!(
        World::new().access(&text).err(None),
        CredentialsError::Undecryptable {
            reason: DecryptError::NotUtf8,
            ..
        }
    ));
    // Valid padding and UTF-8, but no AccessKey looks like this.
    let text =
        format!("default:\n  AccessKeyID: {ENC_NOT_A_KEY}\n  AccessKeySecret: {ENC_SECRET}\n");
    assert!(matches!(
        World::new().access(&text).err(None),
        CredentialsError::Undecryptable {
            reason: DecryptError::Implausible,
            ..
        }
    ));
}

#[test]
fn corrupt_ciphertext_is_caught() {
    // Flip one character inside the last block of a good value.
    let mut corrupt = ENC_SECRET.to_string();
    corrupt.replace_range(60..61, if &ENC_SECRET[60..61] == "A" { "B" } else { "A" });
    let text = format!("default:\n  AccessKeyID: {ENC_KEY_ID}\n  AccessKeySecret: {corrupt}\n");
    assert!(matches!(
        World::new().access(&text).err(None),
        CredentialsError::Undecryptable { .. }
    ));
}

#[test]
fn missing_keys_and_non_alibaba_providers() {
    let e = World::new()
        .access("default:\n  AccessKeyID: LTAI5tX\n")
        .err(None);
    assert_eq!(
        e.to_string(),
        "access alias `default` in /home/u/.s/access.yaml has no AccessKeySecret; add it with `s config add -a default -f`"
    );
    let e = World::new()
        .access("aws:\n  __provider: AWS\n  AccessKeyID: AKIAX\n  SecretAccessKey: x\n")
        .err(Some("aws"));
    assert_eq!(
        e.to_string(),
        "access alias `aws` in /home/u/.s/access.yaml has no AccessKeySecret (its __provider is `AWS`, not `Alibaba Cloud`); add it with `s config add -a aws -f`"
    );
}

#[test]
fn invalid_access_files() {
    let e = World::new()
        .access("default:\n  AccessKeyID: [unclosed\n")
        .err(None);
    assert!(matches!(e, CredentialsError::InvalidAccessFile { .. }));
    assert!(
        e.to_string()
            .starts_with("/home/u/.s/access.yaml is not a valid access file: YAML error at line ")
    );
    let e = World::new().access("- a\n- b\n").err(None);
    assert_eq!(
        e.to_string(),
        "/home/u/.s/access.yaml is not a valid access file: the top level is not a mapping of aliases; fix it or recreate it with `s config add`"
    );
    let e = World::new().access("default: just-a-string\n").err(None);
    assert_eq!(
        e.to_string(),
        "access alias `default` in /home/u/.s/access.yaml is not a mapping of keys to values; recreate it with `s config add -a default -f`"
    );
    // A broken alias that is not chosen does not matter.
    let text = format!(
        "broken:\n  AccessKeyID: {CRATES_VECTOR}\n{}",
        plain_alias("default", "1", "LTAI5tOk", "S")
    );
    assert_eq!(
        World::new().access(&text).ok(None).access_key_id,
        "LTAI5tOk"
    );
}

// ---------------------------------------------------------------------------------------------
// Redaction

#[test]
fn debug_and_display_redact_the_secret_and_the_token() {
    let text = format!(
        "sts:\n  AccountID: {ENC_ACCOUNT}\n  AccessKeyID: {ENC_KEY_ID}\n  AccessKeySecret: {ENC_SECRET}\n  SecurityToken: {ENC_TOKEN}\n"
    );
    let c = World::new().access(&text).ok(Some("sts"));
    assert_eq!(c.access_key_secret, OPENSSL_SECRET);
    for shown in [
        format!("{c:?}"),
        format!("{c:#?}"),
        c.to_string(),
        format!("{:?}", Some(c.clone())),
    ] {
        assert!(!shown.contains(OPENSSL_SECRET), "{shown}");
        assert!(!shown.contains(OPENSSL_TOKEN), "{shown}");
        assert!(!shown.contains(OPENSSL_KEY_ID), "{shown}");
        assert!(!shown.contains("NotReal"), "{shown}");
    }
    assert_eq!(
        format!("{c:?}"),
        "Credentials { account_id: Some(\"1234567890123456\"), access_key_id: \"LTA****d42\", access_key_secret: <redacted>, security_token: Some(<redacted>), source: AccessFile { alias: \"sts\", file: \"/home/u/.s/access.yaml\", chosen_by: Requested } }"
    );
    assert_eq!(
        c.to_string(),
        "AccessKeyID LTA****d42 of account 1234567890123456 with an STS token, from alias `sts` in /home/u/.s/access.yaml (requested)"
    );
    assert_eq!(c.masked_access_key_id(), "LTA****d42");
    assert_eq!(credentials::mask("short"), "*****");
}

#[test]
fn errors_never_contain_values() {
    let text =
        format!("default:\n  AccessKeyID: {CRATES_VECTOR}\n  AccessKeySecret: {ENC_SECRET}\n");
    let e = World::new().access(&text).err(None);
    let shown = format!("{e} {e:?}");
    assert!(!shown.contains(CRATES_VECTOR));
    assert!(!shown.contains(ENC_SECRET));
    let e = trio(World::new()).env("AccessKeyID", "").err(None);
    assert!(!format!("{e} {e:?}").contains("EnvTrioSecretValue"));
}
