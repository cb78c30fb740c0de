//! Hostname rules of Railway domains: generated `*.up.railway.app` names, label and hostname
//! validity, and the zone/host split of a custom domain. Pure functions over text.

/// The zone every Railway-provided service domain lives in.
pub(crate) const RAILWAY_DOMAIN_SUFFIX: &str = "up.railway.app";

/// DNS limits (RFC 1035): a label holds at most 63 octets, a name at most 253.
const MAX_LABEL_LENGTH: usize = 63;
const MAX_HOSTNAME_LENGTH: usize = 253;

/// `{service}-{environment}`, lowercased, every character outside `[a-z0-9-]` turned into `-`.
pub(crate) fn generated_label(service_name: &str, environment_name: &str) -> String {
    format!("{service_name}-{environment_name}")
        .to_lowercase()
        .chars()
        .map(|c| {
            if c.is_ascii_lowercase() || c.is_ascii_digit() || c == '-' {
                c
            } else {
                '-'
            }
        })
        .collect()
}

pub(crate) fn is_valid_label(label: &str) -> bool {
    !label.is_empty()
        && label.len() <= MAX_LABEL_LENGTH
        && !label.starts_with('-')
        && !label.ends_with('-')
        && label
            .chars()
            .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '-')
}

/// A lowercase hostname of at least two valid labels whose last label is alphabetic.
pub(crate) fn is_valid_hostname(hostname: &str) -> bool {
    let labels: Vec<&str> = hostname.split('.').collect();
    hostname.len() <= MAX_HOSTNAME_LENGTH
        && labels.len() >= 2
        && labels.iter().all(|label| is_valid_label(label))
        && labels
            .last()
            .is_some_and(|tld| tld.chars().all(|c| c.is_ascii_lowercase()))
}

/// The single label of `<label>.up.railway.app`, when `domain` has exactly that shape.
pub(crate) fn railway_label(domain: &str) -> Option<&str> {
    let label = domain
        .strip_suffix(RAILWAY_DOMAIN_SUFFIX)?
        .strip_suffix('.')?;
    is_valid_label(label).then_some(label)
}

/// `(hostlabel, zone)`: the zone is the last two labels, the host the rest or `@` for an apex.
pub(crate) fn split_zone(hostname: &str) -> (String, String) {
    let labels: Vec<&str> = hostname.split('.').collect();
    let cut = labels.len().saturating_sub(2);
    let zone = labels[cut..].join(".");
    let host = if cut == 0 {
        "@".to_string()
    } else {
        labels[..cut].join(".")
    };
    (host, zone)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn generated_labels_replace_foreign_characters_with_dashes() {
        assert_eq!(generated_label("My API", "pr_12"), "my-api-pr-12");
    }

    #[test]
    fn hostnames_need_two_valid_labels_and_an_alphabetic_top_level_label() {
        assert!(is_valid_hostname("api.example.com"));
        assert!(is_valid_hostname("example.com"));
        assert!(!is_valid_hostname("localhost"));
        assert!(!is_valid_hostname("-bad.example.com"));
        assert!(!is_valid_hostname("api..example.com"));
        assert!(!is_valid_hostname("example.123"));
        assert!(!is_valid_hostname("under_score.example.com"));
    }

    #[test]
    fn the_zone_is_the_last_two_labels_and_an_apex_host_is_at() {
        assert_eq!(
            split_zone("a.b.example.com"),
            ("a.b".to_string(), "example.com".to_string())
        );
        assert_eq!(
            split_zone("example.com"),
            ("@".to_string(), "example.com".to_string())
        );
    }

    #[test]
    fn railway_labels_are_single_labels_under_the_railway_suffix() {
        assert_eq!(railway_label("shop.up.railway.app"), Some("shop"));
        assert_eq!(railway_label("a.b.up.railway.app"), None);
        assert_eq!(railway_label("shop.example.com"), None);
        assert_eq!(railway_label("up.railway.app"), None);
    }
}
