//! Lock keys and the share of projects a replica takes: stable hashes, so that every replica
//! computes the same key for a project and its own order of preference. Pure functions.

use sha2::{Digest, Sha256};

/// The first key of PostgreSQL's two-key advisory locks: one namespace for project leases, one
/// for replica membership, so neither collides with locks other programs take in the database.
pub const PROJECT_NAMESPACE: i32 = 0x5241_494c;
pub const MEMBER_NAMESPACE: i32 = 0x5241_494d;

/// A project's lease name: its pinned id when the manifest has one, otherwise its name (within
/// its workspace when one is named), so that every replica reading the same manifest agrees.
pub fn lease_key(project_name: &str, project_id: Option<&str>, workspace: Option<&str>) -> String {
    match (project_id, workspace) {
        (Some(id), _) => format!("id:{id}"),
        (None, Some(workspace)) => format!("name:{workspace}/{project_name}"),
        (None, None) => format!("name:{project_name}"),
    }
}

/// The second key of the advisory lock for a lease name: 31 bits of its SHA-256, non-negative so
/// it reads back unchanged from `pg_locks.objid` (an `oid`). Two projects sharing a key would be
/// held together by one replica: never two writers, only less spread.
pub fn lock_number(text: &str) -> i32 {
    let digest = Sha256::digest(text.as_bytes());
    let value = u32::from_be_bytes([digest[0], digest[1], digest[2], digest[3]]) & 0x7fff_ffff;
    i32::try_from(value).unwrap_or(0)
}

/// This replica's order of preference for a lease (rendezvous hashing): replicas prefer
/// different projects, so they rarely race for the same free lease.
pub fn preference(instance_id: &str, key: &str) -> u64 {
    let digest = Sha256::digest(format!("{instance_id}\u{0}{key}").as_bytes());
    u64::from_be_bytes([
        digest[0], digest[1], digest[2], digest[3], digest[4], digest[5], digest[6], digest[7],
    ])
}

/// How many of `projects` one of `replicas` should hold: the ceiling of the even share, so the
/// shares always cover every project.
pub fn fair_share(projects: usize, replicas: usize) -> usize {
    projects.div_ceil(replicas.max(1))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_pinned_id_names_the_lease_whatever_the_name() {
        assert_eq!(lease_key("shop", Some("p-1"), Some("w")), "id:p-1");
        assert_eq!(lease_key("shop", None, Some("w")), "name:w/shop");
        assert_eq!(lease_key("shop", None, None), "name:shop");
    }

    #[test]
    fn lock_numbers_are_stable_and_never_negative() {
        assert_eq!(lock_number("name:shop"), lock_number("name:shop"));
        assert_ne!(lock_number("name:shop"), lock_number("name:shop2"));
        for i in 0..1000 {
            assert!(lock_number(&format!("name:p{i}")) >= 0);
        }
    }

    #[test]
    fn the_fair_share_covers_every_project() {
        assert_eq!(fair_share(10, 2), 5);
        assert_eq!(fair_share(30, 3), 10);
        assert_eq!(fair_share(10, 3), 4);
        assert_eq!(fair_share(10, 0), 10);
        assert_eq!(fair_share(0, 3), 0);
    }

    #[test]
    fn replicas_prefer_different_projects() {
        let keys: Vec<String> = (0..30).map(|i| format!("name:p{i}")).collect();
        let first = |instance: &str| {
            keys.iter()
                .max_by_key(|k| preference(instance, k))
                .cloned()
                .unwrap_or_default()
        };
        let firsts: std::collections::BTreeSet<String> =
            ["a", "b", "c", "d", "e"].iter().map(|i| first(i)).collect();
        assert!(firsts.len() > 1, "{firsts:?}");
    }
}
